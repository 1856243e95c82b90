#include "apiserver/object_registry.h"

#include <openssl/rand.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "api/api_error.h"
#include "api/cluster_namespace.h"
#include "api/codec.h"
#include "api/defaults.h"
#include "api/status_policy.h"
#include "api/validation.h"
#include "apiserver/patch.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "spdlog/spdlog.h"

namespace snapkeep::apiserver {

using nlohmann::json;

namespace {

// Namespaces that exist from the start and cannot be deleted.
constexpr std::string_view kSystemNamespaces[] = {"default", "kube-system", api::kSeedNamespace};
constexpr std::string_view kClusterLabel = "snapkeep.io/cluster";
constexpr int kMaxConflictRetries = 16;

std::string NewUid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return absl::StrFormat("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

std::string RandomSuffix() {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  unsigned char b[5];
  RAND_bytes(b, sizeof(b));
  std::string out;
  for (unsigned char c : b) out += kAlphabet[c % (sizeof(kAlphabet) - 1)];
  return out;
}

bool IsSystemNamespace(std::string_view ns) {
  for (auto s : kSystemNamespaces) {
    if (s == ns) return true;
  }
  return false;
}

// The part of an object whose change bumps metadata.generation: spec for kinds
// with a status subresource, everything but metadata (and status) otherwise.
json GenerationRelevant(const json& obj) {
  json copy = obj;
  copy.erase("metadata");
  copy.erase("status");
  return copy;
}

std::string Str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

bool HasFinalizers(const json& obj) {
  const json& md = obj["metadata"];
  return md.contains("finalizers") && md["finalizers"].is_array() && !md["finalizers"].empty();
}

std::string Serialize(json obj) {
  obj["metadata"].erase("resourceVersion");
  return obj.dump();
}

}  // namespace

struct ObjectRegistry::Prepared {
  json object;
  std::vector<std::string> warnings;
};

ObjectRegistry::ObjectRegistry(store::Store& store, const api::KindCatalog& catalog,
                               const Clock& clock)
    : store_(store),
      catalog_(catalog),
      clock_(clock),
      namespace_kind_(*catalog.ByKind("v1", "Namespace")) {}

store::ObjectKey ObjectRegistry::Key(const api::KindInfo& kind, std::string_view ns,
                                     std::string_view name) const {
  return {kind.store_resource(), kind.namespaced ? std::string(ns) : "", std::string(name)};
}

absl::StatusOr<json> ObjectRegistry::Decode(const store::StoredObject& stored) {
  // Kubernetes' answer for an object that cannot be read back (KEP-3926): 500 with
  // reason StorageReadError, naming the object.
  auto damaged = [&stored](std::string_view why) {
    api::ApiError e{500,
                    "StorageReadError",
                    StrCat("stored object ", StoreKeyName(stored.key), " is damaged: ", why),
                    {{"name", stored.key.name}, {"kind", stored.key.resource}}};
    return e.ToStatus();
  };
  json obj = json::parse(stored.value, nullptr, false);
  if (obj.is_discarded()) return damaged("its value is not valid JSON");
  if (!obj.is_object()) return damaged("its value is not a JSON object");
  auto md = obj.find("metadata");
  if (md == obj.end() || !md->is_object()) return damaged("it has no metadata object");
  // The key is what the API addresses it by; an object under another name would
  // answer for the wrong name.
  if (Str(*md, "name") != stored.key.name) {
    return damaged(StrCat("its metadata.name is \"", Str(*md, "name"), "\""));
  }
  if (!stored.key.ns.empty() && Str(*md, "namespace") != stored.key.ns) {
    return damaged(StrCat("its metadata.namespace is \"", Str(*md, "namespace"), "\""));
  }
  (*md)["resourceVersion"] = std::to_string(stored.mod_revision);
  return obj;
}

absl::StatusOr<json> ObjectRegistry::DecodeReporting(const store::StoredObject& stored) {
  absl::StatusOr<json> obj = Decode(stored);
  if (obj.ok()) {
    damaged_.Forget(stored.key);
  } else {
    damaged_.Report(stored.key, obj.status());
  }
  return obj;
}

absl::Status ObjectRegistry::Bootstrap() {
  for (auto ns : kSystemNamespaces) {
    if (auto st = EnsureNamespace(std::string(ns), json::object()); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status ObjectRegistry::EnsureNamespace(const std::string& name, const json& labels) {
  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  if (!labels.empty()) ns["metadata"]["labels"] = labels;
  auto created = Create(namespace_kind_, "", std::move(ns), {});
  if (!created.ok() && api::ApiError::FromStatus(created.status()).reason != "AlreadyExists") {
    return created.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ObjectRegistry::Get(const api::KindInfo& kind, std::string_view ns,
                                         std::string_view name) {
  auto stored = store_.Get(Key(kind, ns, name));
  if (!stored.ok()) {
    if (absl::IsNotFound(stored.status())) {
      return api::NotFoundError(kind.qualified_resource(), name);
    }
    return stored.status();
  }
  return DecodeReporting(*stored);
}

absl::StatusOr<ObjectList> ObjectRegistry::List(const api::KindInfo& kind, std::string_view ns) {
  auto listed = store_.List(kind.store_resource(), kind.namespaced ? ns : "");
  if (!listed.ok()) return listed.status();
  ObjectList out;
  out.revision = listed->revision;
  out.items.reserve(listed->items.size());
  for (const auto& s : listed->items) {
    // One damaged object must not hide the others (nor stop every informer): it is
    // left out, logged and counted; GET names it and DELETE removes it.
    auto obj = Decode(s);
    if (!obj.ok()) {
      damaged_.Report(s.key, obj.status());
      continue;
    }
    out.items.push_back(std::move(*obj));
  }
  return out;
}

absl::StatusOr<ObjectRegistry::Prepared> ObjectRegistry::Prepare(const api::KindInfo& kind,
                                                                 std::string_view url_ns,
                                                                 std::string_view url_name,
                                                                 json body,
                                                                 const WriteOptions& options) {
  if (!body.is_object()) return api::BadRequestError("the request body must be a JSON object");
  // apiVersion and kind may be left out (they are implied by the URL), but if
  // given they must match it.
  const std::string api_version = Str(body, "apiVersion");
  const std::string kind_name = Str(body, "kind");
  if ((!api_version.empty() && api_version != kind.api_version()) ||
      (!kind_name.empty() && kind_name != kind.kind)) {
    return api::BadRequestError(StrCat("the object's apiVersion/kind (", api_version, "/",
                                       kind_name, ") does not match the request's (",
                                       kind.api_version(), "/", kind.kind, ")"));
  }
  body["apiVersion"] = kind.api_version();
  body["kind"] = kind.kind;
  if (!body.contains("metadata") || body["metadata"].is_null()) body["metadata"] = json::object();
  if (!body["metadata"].is_object()) {
    return api::InvalidError(kind.kind, kind.group, "",
                             {{"metadata", "FieldValueTypeInvalid", "must be of type object"}});
  }
  json& md = body["metadata"];
  if (kind.namespaced) {
    const std::string body_ns = Str(md, "namespace");
    if (!body_ns.empty() && body_ns != url_ns) {
      return api::BadRequestError(StrCat("the namespace of the object (", body_ns,
                                         ") does not match the namespace of the request (", url_ns,
                                         ")"));
    }
    md["namespace"] = url_ns;
  } else {
    md.erase("namespace");
  }
  if (!url_name.empty()) {
    const std::string body_name = Str(md, "name");
    if (!body_name.empty() && body_name != url_name) {
      return api::BadRequestError(StrCat("the name of the object (", body_name,
                                         ") does not match the name in the URL (", url_name, ")"));
    }
    md["name"] = url_name;
  } else if (Str(md, "name").empty() && !Str(md, "generateName").empty()) {
    md["name"] = Str(md, "generateName") + RandomSuffix();
  }
  md.erase("managedFields");

  const auto mode = options.field_validation == FieldValidation::kStrict
                        ? api::schema::UnknownFields::kReject
                        : api::schema::UnknownFields::kDrop;
  const std::string name = Str(md, "name");
  // Schema validation removes values of the wrong type, so the semantic checks
  // can still run on what is left and the user hears of every problem at once.
  auto checked = api::schema::Validate(body, kind.schema, mode);
  api::ApplyDefaults(kind, body);
  api::FieldErrors errs = std::move(checked.errors);
  for (auto& e : api::ValidateObject(kind, body)) {
    const bool already = std::any_of(errs.begin(), errs.end(), [&](const api::FieldError& s) {
      return e.field == s.field || e.field.rfind(s.field + ".", 0) == 0;
    });
    if (!already) errs.push_back(std::move(e));
  }
  if (!errs.empty()) return api::InvalidError(kind.kind, kind.group, name, errs);
  Prepared out;
  if (options.field_validation == FieldValidation::kWarn) {
    for (const auto& f : checked.dropped) out.warnings.push_back("unknown field \"" + f + "\"");
  }
  out.object = std::move(body);
  return out;
}

absl::Status ObjectRegistry::CheckNamespaceWritable(std::string_view ns) {
  auto stored = store_.Get(Key(namespace_kind_, "", ns));
  if (!stored.ok()) {
    if (absl::IsNotFound(stored.status())) return api::NotFoundError("namespaces", ns);
    return stored.status();
  }
  auto obj = Decode(*stored);
  if (!obj.ok()) return obj.status();
  if ((*obj)["metadata"].contains("deletionTimestamp")) {
    return api::ForbiddenError(StrCat("unable to create new content in namespace ", ns,
                                      " because it is being terminated"));
  }
  return absl::OkStatus();
}

absl::StatusOr<WriteResult> ObjectRegistry::Create(const api::KindInfo& kind, std::string_view ns,
                                                   json body, const WriteOptions& options) {
  if (kind.namespaced && ns.empty()) {
    return api::BadRequestError(StrCat(kind.kind, " is namespaced: name a namespace"));
  }
  auto prepared = Prepare(kind, ns, "", std::move(body), options);
  if (!prepared.ok()) return prepared.status();
  json& obj = prepared->object;
  json& md = obj["metadata"];
  if (md.contains("resourceVersion") && !Str(md, "resourceVersion").empty()) {
    return api::BadRequestError(
        "metadata.resourceVersion must not be set on objects to be created");
  }
  if (kind.namespaced) {
    if (auto st = CheckNamespaceWritable(ns); !st.ok()) return st;
  }
  md["uid"] = NewUid();
  md["creationTimestamp"] = FormatRfc3339(clock_.Now());
  md["generation"] = 1;
  md.erase("deletionTimestamp");
  md.erase("deletionGracePeriodSeconds");
  // With a status subresource, status is written only through it.
  if (kind.has_status && kind.kind != "Namespace") obj.erase("status");

  WriteResult result{.object = obj, .warnings = std::move(prepared->warnings), .created = true};
  if (options.dry_run) return result;
  const std::string name = Str(md, "name");
  auto stored = store_.Create(Key(kind, ns, name), Serialize(obj));
  if (!stored.ok()) {
    if (absl::IsAlreadyExists(stored.status())) {
      return api::AlreadyExistsError(kind.qualified_resource(), name);
    }
    return stored.status();
  }
  result.object["metadata"]["resourceVersion"] = std::to_string(stored->mod_revision);
  if (kind.kind == "Cluster") {
    // The Cluster's namespace holds its configs and restores.
    if (auto st =
            EnsureNamespace(api::ClusterNamespace(name), {{std::string(kClusterLabel), name}});
        !st.ok()) {
      return st;
    }
  }
  return result;
}

absl::StatusOr<WriteResult> ObjectRegistry::UpdateWith(const api::KindInfo& kind,
                                                       std::string_view ns, std::string_view name,
                                                       Subresource subresource,
                                                       const WriteOptions& options,
                                                       const ObjectMutation& mutate) {
  const bool status = subresource == Subresource::kStatus;
  if (status && !kind.has_status) {
    return api::NotFoundError(kind.qualified_resource() + "/status", name);
  }
  for (int attempt = 0;; ++attempt) {
    auto stored = store_.Get(Key(kind, ns, name));
    if (!stored.ok()) {
      if (absl::IsNotFound(stored.status())) {
        return api::NotFoundError(kind.qualified_resource(), name);
      }
      return stored.status();
    }
    auto current = Decode(*stored);
    if (!current.ok()) return current.status();
    // Without a resourceVersion, the update applies to whatever is current (and is
    // retried on a race); one that the mutation sets is a precondition.
    json wanted = *current;
    wanted["metadata"].erase("resourceVersion");
    if (absl::Status mutated = mutate(wanted); !mutated.ok()) return mutated;
    const std::string rv = Str(wanted["metadata"], "resourceVersion");
    const bool conditional = !rv.empty();
    if (conditional) {
      int64_t want_rev = 0;
      if (!absl::SimpleAtoi(rv, &want_rev)) {
        return api::BadRequestError(
            StrCat("metadata.resourceVersion \"", rv, "\" is not a resourceVersion"));
      }
      if (want_rev != stored->mod_revision) {
        return api::ConflictError(kind.qualified_resource(), name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
      }
    }
    auto prepared = Prepare(kind, ns, name, std::move(wanted), options);
    if (!prepared.ok()) return prepared.status();
    json next = std::move(prepared->object);
    const json& cur = *current;
    json& md = next["metadata"];
    if (status) {
      // Only status changes through the status subresource.
      json only_status = cur;
      if (next.contains("status")) {
        only_status["status"] = next["status"];
      } else {
        only_status.erase("status");
      }
      next = std::move(only_status);
      if (options.writer == Writer::kApiClient) {
        auto errs = api::CheckClientStatusWrite(kind, cur, next);
        if (!errs.empty()) return api::InvalidError(kind.kind, kind.group, name, errs);
      }
    } else {
      for (const char* keep : {"uid", "creationTimestamp", "deletionTimestamp", "generation"}) {
        if (cur["metadata"].contains(keep)) {
          md[keep] = cur["metadata"][keep];
        } else {
          md.erase(keep);
        }
      }
      if (kind.has_status) {
        if (cur.contains("status")) {
          next["status"] = cur["status"];
        } else {
          next.erase("status");
        }
      }
      if (GenerationRelevant(next) != GenerationRelevant(cur)) {
        md["generation"] = cur["metadata"].value("generation", 1) + 1;
      }
      auto errs = api::ValidateUpdate(kind, cur, next);
      if (!errs.empty()) return api::InvalidError(kind.kind, kind.group, name, errs);
    }
    next["metadata"].erase("resourceVersion");
    json cur_cmp = cur;
    cur_cmp["metadata"].erase("resourceVersion");
    WriteResult result{.object = next, .warnings = std::move(prepared->warnings)};
    if (next == cur_cmp || options.dry_run) {
      // Nothing changed: no new revision, as Kubernetes does.
      result.object["metadata"]["resourceVersion"] = std::to_string(stored->mod_revision);
      return result;
    }
    if (next["metadata"].contains("deletionTimestamp") && !HasFinalizers(next)) {
      // The last finalizer is gone: the deletion completes now.
      store::StoredObject updated = *stored;
      updated.value = Serialize(next);
      auto removed = RemoveNow(kind, updated);
      if (!removed.ok()) {
        if (absl::IsAborted(removed.status()) && !conditional && attempt < kMaxConflictRetries) {
          continue;
        }
        return removed.status();
      }
      result.object = std::move(*removed);
      return result;
    }
    auto written = store_.Update(Key(kind, ns, name), Serialize(next), stored->mod_revision);
    if (!written.ok()) {
      if (absl::IsAborted(written.status())) {
        if (!conditional && attempt < kMaxConflictRetries) continue;
        return api::ConflictError(kind.qualified_resource(), name,
                                  "the object has been modified; please apply your changes to "
                                  "the latest version and try again");
      }
      if (absl::IsNotFound(written.status())) {
        return api::NotFoundError(kind.qualified_resource(), name);
      }
      return written.status();
    }
    result.object["metadata"]["resourceVersion"] = std::to_string(written->mod_revision);
    return result;
  }
}

absl::StatusOr<WriteResult> ObjectRegistry::Update(const api::KindInfo& kind, std::string_view ns,
                                                   std::string_view name, json body,
                                                   Subresource subresource,
                                                   const WriteOptions& options) {
  return UpdateWith(kind, ns, name, subresource, options, [&body](json& object) {
    object = body;
    return absl::OkStatus();
  });
}

absl::StatusOr<WriteResult> ObjectRegistry::Patch(const api::KindInfo& kind, std::string_view ns,
                                                  std::string_view name, PatchType type,
                                                  std::string_view patch_text,
                                                  Subresource subresource,
                                                  const WriteOptions& options) {
  absl::StatusOr<json> patch =
      type == PatchType::kApply ? api::ParseDocument(patch_text) : api::ParseJson(patch_text);
  if (!patch.ok()) return patch.status();
  if (type == PatchType::kJsonPatch ? !patch->is_array() : !patch->is_object()) {
    return api::BadRequestError(type == PatchType::kJsonPatch
                                    ? "a JSON patch must be an array of operations"
                                    : "a merge patch must be a JSON object");
  }
  if (type == PatchType::kApply) {
    // Server-side apply, simplified: create when absent, otherwise merge the
    // applied configuration into the object. Fields are not tracked per manager.
    auto existing = store_.Get(Key(kind, ns, name));
    if (absl::IsNotFound(existing.status())) {
      json body = *patch;
      if (!body.contains("metadata") || !body["metadata"].is_object()) {
        body["metadata"] = json::object();
      }
      const std::string body_name = Str(body["metadata"], "name");
      if (!body_name.empty() && body_name != name) {
        return api::BadRequestError("the name of the object does not match the name in the URL");
      }
      body["metadata"]["name"] = name;
      return Create(kind, ns, std::move(body), options);
    }
  }
  // The patch decides the precondition, not the current object.
  auto patched = [&](json base) -> absl::StatusOr<json> {
    switch (type) {
      case PatchType::kMerge:
      case PatchType::kApply:
        return ApplyMergePatch(std::move(base), *patch);
      case PatchType::kStrategicMerge:
        return ApplyStrategicMergePatch(std::move(base), *patch);
      case PatchType::kJsonPatch:
        try {
          return base.patch(*patch);
        } catch (const json::exception& e) {
          return api::ApiError{422, "Invalid", StrCat("the JSON patch failed: ", e.what()), nullptr}
              .ToStatus();
        }
    }
    return base;
  };
  return UpdateWith(kind, ns, name, subresource, options, [&](json& object) -> absl::Status {
    absl::StatusOr<json> next = patched(std::move(object));
    if (!next.ok()) return next.status();
    object = *std::move(next);
    return absl::OkStatus();
  });
}

absl::StatusOr<json> ObjectRegistry::RemoveNow(const api::KindInfo& kind,
                                               const store::StoredObject& current) {
  auto deleted = store_.Delete(current.key, current.mod_revision);
  if (!deleted.ok()) {
    if (absl::IsAborted(deleted.status())) {
      return api::ConflictError(kind.qualified_resource(), current.key.name,
                                "the object has been modified; please retry");
    }
    return deleted.status();
  }
  store::StoredObject last = current;
  last.mod_revision = deleted->mod_revision;
  auto obj = Decode(last);
  if (!obj.ok()) return obj.status();
  // What an object's deletion sets off: a Cluster takes its namespace with it; the
  // last object of a terminating namespace lets the namespace go.
  if (kind.kind == "Cluster") {
    const std::string ns = api::ClusterNamespace(current.key.name);
    auto st = Delete(namespace_kind_, "", ns);
    if (!st.ok() && !absl::IsNotFound(st.status())) return st.status();
  } else if (kind.kind == "Namespace") {
    // nothing more
  } else if (kind.namespaced) {
    if (auto st = FinishNamespaceIfEmpty(current.key.ns); !st.ok()) return st;
  }
  return obj;
}

absl::StatusOr<json> ObjectRegistry::Delete(const api::KindInfo& kind, std::string_view ns,
                                            std::string_view name,
                                            const DeletePreconditions& preconditions) {
  for (int attempt = 0;; ++attempt) {
    auto stored = store_.Get(Key(kind, ns, name));
    if (!stored.ok()) {
      if (absl::IsNotFound(stored.status())) {
        return api::NotFoundError(kind.qualified_resource(), name);
      }
      return stored.status();
    }
    auto obj = Decode(*stored);
    if (!obj.ok()) {
      auto removed = RemoveDamaged(kind, *stored, obj.status(), preconditions);
      if (!removed.ok() && absl::IsAborted(removed.status()) && attempt < kMaxConflictRetries) {
        continue;
      }
      return removed;
    }
    if (kind.kind == "Namespace" && IsSystemNamespace(name)) {
      return api::ForbiddenError(
          StrCat("namespace \"", name, "\" is a system namespace and cannot be deleted"));
    }
    json& md = (*obj)["metadata"];
    if (!preconditions.uid.empty() && preconditions.uid != Str(md, "uid")) {
      return api::ConflictError(kind.qualified_resource(), name,
                                "Precondition failed: UID in precondition: " + preconditions.uid +
                                    ", UID in object meta: " + Str(md, "uid"));
    }
    if (!preconditions.resource_version.empty() &&
        preconditions.resource_version != Str(md, "resourceVersion")) {
      return api::ConflictError(
          kind.qualified_resource(), name,
          "Precondition failed: ResourceVersion in precondition: " +
              preconditions.resource_version +
              ", ResourceVersion in object meta: " + Str(md, "resourceVersion"));
    }
    const bool is_namespace = kind.kind == "Namespace";
    if (HasFinalizers(*obj) || is_namespace) {
      const bool first_request = !md.contains("deletionTimestamp");
      if (first_request) {
        md["deletionTimestamp"] = FormatRfc3339(clock_.Now());
        md["deletionGracePeriodSeconds"] = 0;
        if (is_namespace) (*obj)["status"]["phase"] = "Terminating";
        auto written = store_.Update(stored->key, Serialize(*obj), stored->mod_revision);
        if (!written.ok()) {
          if (absl::IsAborted(written.status()) && attempt < kMaxConflictRetries) continue;
          return written.status();
        }
        md["resourceVersion"] = std::to_string(written->mod_revision);
      }
      if (is_namespace) {
        if (auto st = DeleteNamespaceContents(std::string(name)); !st.ok()) return st;
        if (auto st = FinishNamespaceIfEmpty(std::string(name)); !st.ok()) return st;
        auto again = store_.Get(stored->key);
        if (absl::IsNotFound(again.status())) return *obj;
      }
      return *obj;
    }
    auto removed = RemoveNow(kind, *stored);
    if (!removed.ok() && absl::IsAborted(removed.status()) && attempt < kMaxConflictRetries) {
      continue;
    }
    return removed;
  }
}

absl::StatusOr<json> ObjectRegistry::RemoveDamaged(const api::KindInfo& kind,
                                                   const store::StoredObject& stored,
                                                   const absl::Status& why,
                                                   const DeletePreconditions& preconditions) {
  damaged_.Report(stored.key, why);
  const std::string& name = stored.key.name;
  // A damaged value has no readable uid, and no readable finalizers to wait for.
  if (!preconditions.uid.empty()) {
    return api::ConflictError(
        kind.qualified_resource(), name,
        StrCat("Precondition failed: UID in precondition: ", preconditions.uid,
               ", but the stored object is damaged (", why.message(), ") and has no readable UID"));
  }
  if (!preconditions.resource_version.empty() &&
      preconditions.resource_version != std::to_string(stored.mod_revision)) {
    return api::ConflictError(
        kind.qualified_resource(), name,
        StrCat("Precondition failed: ResourceVersion in precondition: ",
               preconditions.resource_version,
               ", ResourceVersion of the stored object: ", stored.mod_revision));
  }
  const bool is_namespace = kind.kind == "Namespace";
  // Deleting a namespace deletes what is in it, damaged or not.
  if (is_namespace) {
    if (auto st = DeleteNamespaceContents(name); !st.ok()) return st;
  }
  auto deleted = store_.Delete(stored.key, stored.mod_revision);
  if (!deleted.ok()) {
    if (absl::IsAborted(deleted.status())) {
      return api::ConflictError(kind.qualified_resource(), name,
                                "the object has been modified; please retry");
    }
    return deleted.status();
  }
  damaged_.Forget(stored.key);
  spdlog::warn("deleted damaged stored object {}", StoreKeyName(stored.key));
  if (kind.kind == "Cluster") {
    auto st = Delete(namespace_kind_, "", api::ClusterNamespace(name));
    if (!st.ok() && !absl::IsNotFound(st.status())) return st.status();
  } else if (is_namespace && IsSystemNamespace(name)) {
    // System namespaces always exist: a damaged one is replaced by a fresh one.
    if (auto st = EnsureNamespace(name, json::object()); !st.ok()) return st;
  } else if (kind.namespaced) {
    if (auto st = FinishNamespaceIfEmpty(stored.key.ns); !st.ok()) return st;
  }
  // What Kubernetes answers for a deletion that leaves no object to show.
  return json{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", json::object()},
              {"status", "Success"},
              {"details", {{"name", name}, {"group", kind.group}, {"kind", kind.plural}}}};
}

absl::Status ObjectRegistry::DeleteNamespaceContents(const std::string& ns) {
  for (const auto& kind : catalog_.kinds()) {
    if (!kind.namespaced) continue;
    auto listed = store_.List(kind.store_resource(), ns);
    if (!listed.ok()) return listed.status();
    for (const auto& item : listed->items) {
      auto st = Delete(kind, ns, item.key.name);
      if (!st.ok() && !absl::IsNotFound(st.status()) &&
          api::ApiError::FromStatus(st.status()).code != 404) {
        return st.status();
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ObjectRegistry::FinishNamespaceIfEmpty(const std::string& ns) {
  auto stored = store_.Get(Key(namespace_kind_, "", ns));
  if (!stored.ok()) return absl::IsNotFound(stored.status()) ? absl::OkStatus() : stored.status();
  auto obj = Decode(*stored);
  // A damaged namespace is not known to be terminating; deleting it finishes it.
  if (!obj.ok()) {
    damaged_.Report(stored->key, obj.status());
    return absl::OkStatus();
  }
  if (!(*obj)["metadata"].contains("deletionTimestamp")) return absl::OkStatus();
  for (const auto& kind : catalog_.kinds()) {
    if (!kind.namespaced) continue;
    auto listed = store_.List(kind.store_resource(), ns);
    if (!listed.ok()) return listed.status();
    if (!listed->items.empty()) return absl::OkStatus();
  }
  auto deleted = store_.Delete(stored->key, stored->mod_revision);
  if (!deleted.ok() && !absl::IsNotFound(deleted.status()) && !absl::IsAborted(deleted.status())) {
    return deleted.status();
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::apiserver
