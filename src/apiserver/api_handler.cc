#include "apiserver/api_handler.h"

#include "absl/strings/numbers.h"
#include "api/api_error.h"
#include "api/codec.h"
#include "api/table.h"
#include "apiserver/label_selector.h"
#include "apiserver/warning_headers.h"
#include "apiserver/watch_stream.h"
#include "common/str_cat.h"

namespace snapkeep::apiserver {

using nlohmann::json;

namespace {

HttpResponse JsonResponse(http::status status, const json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump();
  return res;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  api::ApiError e = api::ApiError::FromStatus(status);
  return JsonResponse(static_cast<http::status>(e.code), e.ToStatusObject());
}

bool WantsTable(const HttpRequest& req) {
  auto accept = req[http::field::accept];
  return std::string_view(accept.data(), accept.size()).find("as=Table") != std::string_view::npos;
}

bool WantsYaml(const HttpRequest& req) {
  auto accept = req[http::field::accept];
  std::string_view a(accept.data(), accept.size());
  return a.find("yaml") != std::string_view::npos && a.find("json") == std::string_view::npos;
}

HttpResponse ObjectResponse(const HttpRequest& req, http::status status, const json& obj) {
  if (WantsYaml(req)) {
    HttpResponse res{status, 11};
    res.set(http::field::content_type, "application/yaml");
    res.body() = api::ToYaml(obj);
    return res;
  }
  return JsonResponse(status, obj);
}

absl::StatusOr<FieldValidation> ParseFieldValidation(const RequestInfo& info) {
  const std::string v = info.Query("fieldValidation", "Strict");
  if (v == "Strict") return FieldValidation::kStrict;
  if (v == "Warn") return FieldValidation::kWarn;
  if (v == "Ignore") return FieldValidation::kIgnore;
  return api::BadRequestError(
      StrCat("fieldValidation \"", v, "\" is not one of Strict, Warn, Ignore"));
}

std::string ContentType(const HttpRequest& req) {
  auto ct = req[http::field::content_type];
  std::string s(ct.data(), ct.size());
  if (auto semi = s.find(';'); semi != std::string::npos) s.resize(semi);
  return s;
}

// The body of a POST or PUT as JSON; YAML is accepted too.
absl::StatusOr<json> DecodeBody(const HttpRequest& req) {
  const std::string ct = ContentType(req);
  if (!ct.empty() && ct != "application/json" && ct != "application/yaml" && ct != "text/yaml" &&
      ct != "application/x-yaml" && ct != "*/*") {
    return api::UnsupportedMediaTypeError(StrCat(
        "Content-Type \"", ct, "\" is not supported; send application/json or application/yaml"));
  }
  return api::ParseDocument(req.body());
}

// Warnings may quote client input (an unknown field's name): WarningHeaderValues escapes it.
void AddWarnings(HttpResponse& res, const std::vector<std::string>& warnings) {
  for (const std::string& value : WarningHeaderValues(warnings)) {
    res.insert(http::field::warning, value);
  }
}

}  // namespace

ApiHandler::ApiHandler(ObjectRegistry& registry, const Clock& clock, MetricsRegistry* metrics,
                       AdmissionWarnings admission_warnings)
    : registry_(registry),
      clock_(clock),
      discovery_(registry.catalog()),
      openapi_(registry.catalog()),
      metrics_(metrics),
      admission_warnings_(std::move(admission_warnings)) {
  if (!metrics_) return;
  // Registration only fails on a duplicate name, which would be a wiring bug.
  if (auto c = metrics_->AddCounter("snapkeep_api_requests_total",
                                    "API requests by HTTP method and response code.",
                                    {"method", "code"});
      c.ok()) {
    requests_ = *c;
  }
  (void)metrics_->AddGaugeFunction(
      "snapkeep_api_watches_active", "Open watch streams.",
      [w = active_watches_] { return static_cast<double>(w->load()); });
  (void)metrics_->AddGaugeFunction(
      "snapkeep_store_revision", "The store's newest revision.",
      [&store = registry_.store()] { return static_cast<double>(store.CurrentRevision()); });
  (void)metrics_->AddGaugeFunction(
      "snapkeep_store_damaged_objects",
      "Stored objects found damaged (undecodable) and not yet deleted; lists leave them out.",
      [&registry = registry_] { return static_cast<double>(registry.damaged_objects()); });
}

HandlerResult ApiHandler::Handle(const HttpRequest& request) {
  HandlerResult result = Route(request);
  if (requests_) {
    requests_->Increment(
        {std::string(request.method_string()), std::to_string(StatusCode(result))});
  }
  return result;
}

HandlerResult ApiHandler::Route(const HttpRequest& request) {
  auto info =
      ParseRequestTarget(std::string_view(request.target().data(), request.target().size()));
  if (!info) {
    return ErrorResponse(api::BadRequestError("malformed URL encoding in the request target"));
  }
  const std::string& path = info->path;
  if (path == "/healthz" || path == "/readyz" || path == "/livez") {
    HttpResponse res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok";
    return res;
  }
  if (path == "/metrics" && metrics_ && request.method() == http::verb::get) {
    HttpResponse res{http::status::ok, 11};
    res.set(http::field::content_type, std::string(MetricsRegistry::kContentType));
    res.body() = metrics_->Render();
    return res;
  }
  if (request.method() == http::verb::get) {
    if (auto doc = discovery_.Document(path)) return JsonResponse(http::status::ok, *doc);
    if (auto doc = openapi_.Document(path)) return JsonResponse(http::status::ok, *doc);
  }
  if (info->is_resource) return HandleResource(request, *info);
  return ErrorResponse(api::NotFoundError("path", path));
}

HandlerResult ApiHandler::HandleResource(const HttpRequest& request, const RequestInfo& info) {
  const api::KindInfo* kind =
      registry_.catalog().ByResource(info.group, info.version, info.resource);
  if (!kind) {
    return ErrorResponse(api::NotFoundError(
        "resource", info.group.empty() ? info.resource : StrCat(info.resource, ".", info.group)));
  }
  if (!kind->namespaced && !info.ns.empty()) {
    return ErrorResponse(api::NotFoundError(kind->qualified_resource(), info.name));
  }
  const Subresource subresource =
      info.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  if (!info.subresource.empty() && !(subresource == Subresource::kStatus && kind->has_status)) {
    return ErrorResponse(
        api::NotFoundError(StrCat(kind->qualified_resource(), "/", info.subresource), info.name));
  }
  auto validation = ParseFieldValidation(info);
  if (!validation.ok()) return ErrorResponse(validation.status());
  WriteOptions options{.field_validation = *validation, .dry_run = info.Query("dryRun") == "All"};

  switch (request.method()) {
    case http::verb::get: {
      if (info.name.empty()) {
        if (info.Query("watch") == "true" || info.Query("watch") == "1") {
          return Watch(request, info, *kind);
        }
        return List(request, info, *kind);
      }
      auto obj = registry_.Get(*kind, info.ns, info.name);
      if (!obj.ok()) return ErrorResponse(obj.status());
      if (WantsTable(request)) {
        return JsonResponse(
            http::status::ok,
            api::BuildTable(*kind, {*obj}, (*obj)["metadata"].value("resourceVersion", ""),
                            clock_.Now()));
      }
      return ObjectResponse(request, http::status::ok, *obj);
    }
    case http::verb::post: {
      if (!info.name.empty()) {
        return ErrorResponse(
            api::MethodNotAllowedError("POST creates in a collection; drop the name from the URL"));
      }
      auto body = DecodeBody(request);
      if (!body.ok()) return ErrorResponse(body.status());
      auto created = registry_.Create(*kind, info.ns, std::move(*body), options);
      if (!created.ok()) return ErrorResponse(created.status());
      HttpResponse res = ObjectResponse(request, http::status::created, created->object);
      AddWarnings(res, created->warnings);
      if (admission_warnings_) AddWarnings(res, admission_warnings_(*kind, created->object));
      return res;
    }
    case http::verb::put: {
      if (info.name.empty()) {
        return ErrorResponse(api::MethodNotAllowedError("PUT needs an object name in the URL"));
      }
      auto body = DecodeBody(request);
      if (!body.ok()) return ErrorResponse(body.status());
      auto updated =
          registry_.Update(*kind, info.ns, info.name, std::move(*body), subresource, options);
      if (!updated.ok()) return ErrorResponse(updated.status());
      HttpResponse res = ObjectResponse(request, http::status::ok, updated->object);
      AddWarnings(res, updated->warnings);
      if (admission_warnings_) AddWarnings(res, admission_warnings_(*kind, updated->object));
      return res;
    }
    case http::verb::patch: {
      if (info.name.empty()) {
        return ErrorResponse(api::MethodNotAllowedError("PATCH needs an object name in the URL"));
      }
      const std::string ct = ContentType(request);
      PatchType type;
      if (ct == "application/merge-patch+json") {
        type = PatchType::kMerge;
      } else if (ct == "application/strategic-merge-patch+json") {
        type = PatchType::kStrategicMerge;
      } else if (ct == "application/json-patch+json") {
        type = PatchType::kJsonPatch;
      } else if (ct == "application/apply-patch+yaml") {
        type = PatchType::kApply;
      } else {
        return ErrorResponse(api::UnsupportedMediaTypeError(
            StrCat("PATCH Content-Type \"", ct,
                   "\" is not supported; use application/merge-patch+json, "
                   "application/strategic-merge-patch+json, application/json-patch+json or "
                   "application/apply-patch+yaml")));
      }
      auto patched =
          registry_.Patch(*kind, info.ns, info.name, type, request.body(), subresource, options);
      if (!patched.ok()) return ErrorResponse(patched.status());
      HttpResponse res = ObjectResponse(
          request, patched->created ? http::status::created : http::status::ok, patched->object);
      AddWarnings(res, patched->warnings);
      if (admission_warnings_) AddWarnings(res, admission_warnings_(*kind, patched->object));
      return res;
    }
    case http::verb::delete_: {
      if (info.name.empty()) {
        return ErrorResponse(api::MethodNotAllowedError(
            "deleting a whole collection is not supported; name the object"));
      }
      DeletePreconditions pre;
      if (!request.body().empty()) {
        auto opts = api::ParseDocument(request.body());
        if (!opts.ok()) return ErrorResponse(opts.status());
        if (opts->contains("preconditions") && (*opts)["preconditions"].is_object()) {
          pre.uid = (*opts)["preconditions"].value("uid", "");
          pre.resource_version = (*opts)["preconditions"].value("resourceVersion", "");
        }
      }
      if (options.dry_run) {
        auto obj = registry_.Get(*kind, info.ns, info.name);
        if (!obj.ok()) return ErrorResponse(obj.status());
        return ObjectResponse(request, http::status::ok, *obj);
      }
      auto deleted = registry_.Delete(*kind, info.ns, info.name, pre);
      if (!deleted.ok()) return ErrorResponse(deleted.status());
      return ObjectResponse(request, http::status::ok, *deleted);
    }
    default:
      return ErrorResponse(api::MethodNotAllowedError(
          StrCat("method ", std::string(request.method_string()), " is not supported")));
  }
}

HandlerResult ApiHandler::List(const HttpRequest& request, const RequestInfo& info,
                               const api::KindInfo& kind) {
  auto labels = Selector::ParseLabels(info.Query("labelSelector"));
  if (!labels.ok()) return ErrorResponse(labels.status());
  auto fields = Selector::ParseFields(info.Query("fieldSelector"));
  if (!fields.ok()) return ErrorResponse(fields.status());
  auto list = registry_.List(kind, info.ns);
  if (!list.ok()) return ErrorResponse(list.status());
  std::vector<json> items;
  for (auto& obj : list->items) {
    if (labels->Matches(obj) && fields->Matches(obj)) items.push_back(std::move(obj));
  }
  const std::string rv = std::to_string(list->revision);
  if (WantsTable(request)) {
    return JsonResponse(http::status::ok, api::BuildTable(kind, items, rv, clock_.Now()));
  }
  json out = {{"apiVersion", kind.api_version()},
              {"kind", kind.list_kind()},
              {"metadata", {{"resourceVersion", rv}}},
              {"items", std::move(items)}};
  return ObjectResponse(request, http::status::ok, out);
}

HandlerResult ApiHandler::Watch(const HttpRequest& request, const RequestInfo& info,
                                const api::KindInfo& kind) {
  WatchStreamOptions options;
  auto labels = Selector::ParseLabels(info.Query("labelSelector"));
  if (!labels.ok()) return ErrorResponse(labels.status());
  auto fields = Selector::ParseFields(info.Query("fieldSelector"));
  if (!fields.ok()) return ErrorResponse(fields.status());
  options.labels = std::move(*labels);
  options.fields = std::move(*fields);
  options.bookmarks = info.Query("allowWatchBookmarks") == "true";
  options.table = WantsTable(request);
  // Like Kubernetes, end a watch after a while so clients re-establish it
  // (and servers shed stale connections); timeoutSeconds asks for sooner.
  int64_t timeout_s = 1800;
  if (const std::string t = info.Query("timeoutSeconds"); !t.empty()) {
    if (!absl::SimpleAtoi(t, &timeout_s) || timeout_s < 0) {
      return ErrorResponse(
          api::BadRequestError(StrCat("timeoutSeconds \"", t, "\" is not a number of seconds")));
    }
  }
  options.deadline = clock_.Now() + absl::Seconds(timeout_s);

  // resourceVersion N: events after N. Empty or "0": the current objects as
  // ADDED events first, then changes. N ahead of the store: the stream waits a little
  // for the store to reach it before it answers (WatchStream::Ready).
  const std::string rv = info.Query("resourceVersion");
  int64_t after = 0;
  std::vector<json> initial;
  if (rv.empty() || rv == "0") {
    auto list = registry_.List(kind, info.ns);
    if (!list.ok()) return ErrorResponse(list.status());
    initial = std::move(list->items);
    after = list->revision;
  } else if (!absl::SimpleAtoi(rv, &after) || after < 0) {
    return ErrorResponse(
        api::BadRequestError(StrCat("resourceVersion \"", rv, "\" is not a resourceVersion")));
  }

  store::Store& store = registry_.store();
  auto stream = std::make_shared<WatchStream>(
      kind, std::move(options), clock_, [&store] { return store.CurrentRevision(); },
      std::move(initial), after);
  std::weak_ptr<WatchStream> weak = stream;
  // Every watch of one event gets the same EncodedWatchEvent: encoded once, held once.
  auto handle = store.Watch({.resource = kind.store_resource(),
                             .ns = kind.namespaced ? info.ns : "",
                             .after_revision = after},
                            [weak, events = watch_events_](const store::SharedWatchEvent& ev) {
                              if (auto s = weak.lock()) s->Enqueue(events->Share(ev));
                            });
  if (!handle.ok()) {
    if (absl::IsOutOfRange(handle.status())) {
      return ErrorResponse(api::GoneError(
          StrCat("too old resource version: ", after, " (", handle.status().message(), ")")));
    }
    return ErrorResponse(handle.status());
  }
  stream->Attach(std::move(*handle));

  StreamingResponse res;
  res.head = HttpResponse{http::status::ok, 11};
  res.head.set(http::field::content_type, "application/json");
  res.head.set(http::field::cache_control, "no-cache, private");
  // The connection owns the stream; the shared_ptr keeps weak sinks valid.
  struct Owner final : ResponseStream {
    std::shared_ptr<WatchStream> s;
    std::shared_ptr<std::atomic<int64_t>> active;
    ~Owner() override {
      s->Detach();
      --*active;
    }
    void Start(StreamSignals signals) override { s->Start(std::move(signals)); }
    Readiness Ready(HttpResponse& refusal) override { return s->Ready(refusal); }
    DrainResult Drain(std::vector<SharedBytes>& out) override { return s->Drain(out); }
  };
  auto owner = std::make_unique<Owner>();
  owner->s = std::move(stream);
  owner->active = active_watches_;
  ++*active_watches_;
  res.stream = std::move(owner);
  return res;
}

}  // namespace snapkeep::apiserver
