#pragma once

#include <memory>

#include "apiserver/discovery.h"
#include "apiserver/http_types.h"
#include "apiserver/object_registry.h"
#include "apiserver/openapi.h"
#include "apiserver/request_info.h"
#include "common/clock.h"

namespace snapkeep::apiserver {

// The Kubernetes-style REST API: routes each request to discovery, OpenAPI,
// health, or a verb on a kind (get, list, watch, create, update, patch, delete),
// negotiates JSON/YAML/Table, and answers errors as metav1.Status.
class ApiHandler {
 public:
  ApiHandler(ObjectRegistry& registry, const Clock& clock);

  HandlerResult Handle(const HttpRequest& request);

 private:
  HandlerResult HandleResource(const HttpRequest& request, const RequestInfo& info);
  HandlerResult List(const HttpRequest& request, const RequestInfo& info,
                     const api::KindInfo& kind);
  HandlerResult Watch(const HttpRequest& request, const RequestInfo& info,
                      const api::KindInfo& kind);

  ObjectRegistry& registry_;
  const Clock& clock_;
  Discovery discovery_;
  OpenApi openapi_;
};

}  // namespace snapkeep::apiserver
