#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/discovery.h"
#include "apiserver/encoded_watch_event.h"
#include "apiserver/http_types.h"
#include "apiserver/object_registry.h"
#include "apiserver/openapi.h"
#include "apiserver/request_info.h"
#include "common/clock.h"
#include "common/metrics.h"

namespace snapkeep::apiserver {

// The Kubernetes-style REST API: routes each request to discovery, OpenAPI,
// health, or a verb on a kind (get, list, watch, create, update, patch, delete),
// negotiates JSON/YAML/Table, and answers errors as metav1.Status.
// Warnings about an object just written that the server's settings give rise to (a
// Seed's file:// destination outside the allowed roots), answered as Warning headers.
using AdmissionWarnings = std::function<std::vector<std::string>(const api::KindInfo& kind,
                                                                 const nlohmann::json& object)>;

class ApiHandler {
 public:
  // `metrics` (optional) gets the API's own series and is served at /metrics.
  ApiHandler(ObjectRegistry& registry, const Clock& clock, MetricsRegistry* metrics = nullptr,
             AdmissionWarnings admission_warnings = nullptr);

  HandlerResult Handle(const HttpRequest& request);

 private:
  HandlerResult Route(const HttpRequest& request);
  HandlerResult HandleResource(const HttpRequest& request, const RequestInfo& info);
  HandlerResult List(const HttpRequest& request, const RequestInfo& info,
                     const api::KindInfo& kind);
  HandlerResult Watch(const HttpRequest& request, const RequestInfo& info,
                      const api::KindInfo& kind);

  ObjectRegistry& registry_;
  const Clock& clock_;
  Discovery discovery_;
  OpenApi openapi_;
  MetricsRegistry* metrics_;
  AdmissionWarnings admission_warnings_;
  CounterFamily* requests_ = nullptr;
  // Shared with each watch's stream, which may outlive a request but not the server.
  std::shared_ptr<std::atomic<int64_t>> active_watches_ = std::make_shared<std::atomic<int64_t>>(0);
  // Shared with each watch's store sink, which may outlive the handler.
  std::shared_ptr<EncodedWatchEventCache> watch_events_ =
      std::make_shared<EncodedWatchEventCache>();
};

}  // namespace snapkeep::apiserver
