#include "backup/backup_naming.h"

#include "absl/strings/str_format.h"
#include "common/str_cat.h"

namespace snapkeep::backup {
namespace {

// Kubernetes' rand.String alphabet (no vowels, no confusable characters).
constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string Suffix(uint64_t hash) {
  std::string out(10, ' ');
  for (char& c : out) {
    c = kAlphabet[hash % kAlphabet.size()];
    hash /= kAlphabet.size();  // 27^10 < 2^48: a 64-bit hash covers all 10 characters
  }
  return out;
}

}  // namespace

uint64_t StableHash(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string BackupIdFor(std::string_view config_uid, std::string_view backup_name) {
  return absl::StrFormat("%016x", StableHash(StrCat(config_uid, "/", backup_name)));
}

std::string BackupNameFor(std::string_view config, absl::Time scheduled_time) {
  return StrCat(config, "-",
                absl::FormatTime("%Y-%m-%dT%H:%M:%S", scheduled_time, absl::UTCTimeZone()));
}

std::string BackupObjectKeyFor(std::string_view cluster, std::string_view backup_name) {
  return StrCat(cluster, "-", backup_name);
}

BackupNames NamesForBackup(std::string_view ns, std::string_view config, std::string_view cluster,
                           absl::Time scheduled_time, int attempt) {
  BackupNames names;
  names.backup_name = BackupNameFor(config, scheduled_time);
  names.object_key = BackupObjectKeyFor(cluster, names.backup_name);
  names.job_name =
      StrCat(cluster, "-backup-", config, "-create-",
             Suffix(StableHash(StrCat(ns, "/", names.backup_name, "/create/", attempt))));
  return names;
}

std::string DeleteJobNameFor(std::string_view ns, std::string_view config, std::string_view cluster,
                             std::string_view backup_name) {
  return StrCat(cluster, "-backup-", config, "-delete-",
                Suffix(StableHash(StrCat(ns, "/", backup_name, "/delete"))));
}

}  // namespace snapkeep::backup
