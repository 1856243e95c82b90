#include "cli/field_text.h"

namespace snapkeep::cli {

std::string FieldText(const nlohmann::json& object, const char* key, const char* absent) {
  if (!object.is_object()) return absent;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return absent;
  if (!it->is_string()) return it->dump();
  const std::string& text = it->get_ref<const std::string&>();
  return text.empty() ? absent : text;
}

}  // namespace snapkeep::cli
