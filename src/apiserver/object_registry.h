#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/kind_catalog.h"
#include "api/schema.h"
#include "apiserver/damaged_objects.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace snapkeep::apiserver {

// How a write treats fields its kind's schema does not know (Kubernetes'
// fieldValidation query parameter): Strict rejects them, Warn and Ignore drop them
// (Warn reports them as warnings).
enum class FieldValidation { kStrict, kWarn, kIgnore };

// Who writes: a client of the API may change through /status only what it reports
// itself (api/status_policy.h); the server's own controllers write the rest.
enum class Writer { kApiClient, kServer };

struct WriteOptions {
  FieldValidation field_validation = FieldValidation::kStrict;
  bool dry_run = false;  // validate and compute the result, write nothing
  Writer writer = Writer::kApiClient;
};

// What the server's own controllers write with.
inline constexpr WriteOptions kServerWrite{.writer = Writer::kServer};

struct WriteResult {
  nlohmann::json object;              // as stored, with metadata.resourceVersion
  std::vector<std::string> warnings;  // e.g. unknown fields dropped
  bool created = false;
};

struct ObjectList {
  std::vector<nlohmann::json> items;
  int64_t revision = 0;
};

struct DeletePreconditions {
  std::string uid;
  std::string resource_version;
};

enum class PatchType { kMerge, kStrategicMerge, kJsonPatch, kApply };

// Which part of an object a write changes (Kubernetes' status subresource).
enum class Subresource {
  kMain,    // metadata and spec (everything but status); status stays as stored
  kStatus,  // status only, for kinds that have one
};

// A change to one object, applied by ObjectRegistry::UpdateWith to the object as stored
// now (without its resourceVersion). An error ends the update with it, nothing written.
using ObjectMutation = std::function<absl::Status(nlohmann::json& object)>;

// The Kubernetes object semantics on top of a Store: server-set metadata (uid,
// creationTimestamp, generation, resourceVersion), spec/status split, optimistic
// concurrency, finalizers, namespaces (must exist; deleting one deletes its
// contents; a Cluster owns namespace cluster-<name>), defaulting and validation.
// Every write either passes every check and is stored, or changes nothing.
//
// Thread-safe; the HTTP handlers and in-process controllers share one instance.
class ObjectRegistry {
 public:
  ObjectRegistry(store::Store& store, const api::KindCatalog& catalog, const Clock& clock);

  // Creates the namespaces that always exist (default, kube-system, kubermatic).
  absl::Status Bootstrap();

  const api::KindCatalog& catalog() const { return catalog_; }
  store::Store& store() { return store_; }

  absl::StatusOr<nlohmann::json> Get(const api::KindInfo& kind, std::string_view ns,
                                     std::string_view name);
  // `ns` empty: all namespaces.
  absl::StatusOr<ObjectList> List(const api::KindInfo& kind, std::string_view ns);

  // `ns` is the namespace of the request's URL (empty for cluster-scoped kinds).
  absl::StatusOr<WriteResult> Create(const api::KindInfo& kind, std::string_view ns,
                                     nlohmann::json body, const WriteOptions& options);
  // Read-modify-write of one object or (Subresource::kStatus) its status: the one way
  // to change an existing object. Reads the object, applies `mutate` to it, and writes
  // the result with every check of a write. If another write came in between, it
  // reads again and applies `mutate` again (up to 16 times), so `mutate` must decide
  // from the object it is given, not from one read before. A
  // metadata.resourceVersion that `mutate` sets is a precondition instead: on another
  // version the update fails with Conflict (absl Aborted) and is not retried. An
  // object `mutate` leaves unchanged is not written (no new resourceVersion).
  absl::StatusOr<WriteResult> UpdateWith(const api::KindInfo& kind, std::string_view ns,
                                         std::string_view name, Subresource subresource,
                                         const WriteOptions& options, const ObjectMutation& mutate);
  // The API's PUT: UpdateWith replacing the object (metadata and spec, or its status)
  // with `body`; a resourceVersion in `body` is a precondition.
  absl::StatusOr<WriteResult> Update(const api::KindInfo& kind, std::string_view ns,
                                     std::string_view name, nlohmann::json body,
                                     Subresource subresource, const WriteOptions& options);
  // The API's PATCH: UpdateWith applying `patch` (server-side apply creates the object
  // when it is absent).
  absl::StatusOr<WriteResult> Patch(const api::KindInfo& kind, std::string_view ns,
                                    std::string_view name, PatchType type, std::string_view patch,
                                    Subresource subresource, const WriteOptions& options);
  // With finalizers pending: sets deletionTimestamp and returns the object (still
  // there). Otherwise removes it and returns its last state.
  absl::StatusOr<nlohmann::json> Delete(const api::KindInfo& kind, std::string_view ns,
                                        std::string_view name,
                                        const DeletePreconditions& preconditions = {});

  // Decodes a stored value into the API object (resourceVersion filled in). A value
  // that is not an object under its key's name (a damaged row) is a 500
  // StorageReadError naming the key, as Kubernetes reports an unreadable object.
  static absl::StatusOr<nlohmann::json> Decode(const store::StoredObject& stored);

  // Stored objects known to be damaged: List leaves them out (and logs each once),
  // Get answers StorageReadError naming the key, Delete removes them.
  size_t damaged_objects() const { return damaged_.count(); }

 private:
  struct Prepared;
  absl::StatusOr<Prepared> Prepare(const api::KindInfo& kind, std::string_view url_ns,
                                   std::string_view url_name, nlohmann::json body,
                                   const WriteOptions& options);
  absl::Status CheckNamespaceWritable(std::string_view ns);
  absl::Status EnsureNamespace(const std::string& name, const nlohmann::json& labels);
  absl::Status DeleteNamespaceContents(const std::string& ns);
  absl::Status FinishNamespaceIfEmpty(const std::string& ns);
  absl::StatusOr<nlohmann::json> RemoveNow(const api::KindInfo& kind,
                                           const store::StoredObject& current);
  // Decode(), recording the outcome in damaged_.
  absl::StatusOr<nlohmann::json> DecodeReporting(const store::StoredObject& stored);
  // Deletes an object whose value cannot be decoded (so has no finalizers to honour),
  // with what deleting it sets off; answers a Success Status.
  absl::StatusOr<nlohmann::json> RemoveDamaged(const api::KindInfo& kind,
                                               const store::StoredObject& stored,
                                               const absl::Status& why,
                                               const DeletePreconditions& preconditions);
  store::ObjectKey Key(const api::KindInfo& kind, std::string_view ns, std::string_view name) const;

  store::Store& store_;
  const api::KindCatalog& catalog_;
  const Clock& clock_;
  const api::KindInfo& namespace_kind_;
  DamagedObjects damaged_;
};

}  // namespace snapkeep::apiserver
