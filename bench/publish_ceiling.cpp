// bench_publish_ceiling — the publish ceiling of the benchmarks: a plain cnats asynchronous
// JetStream publisher, none of our code, sending COUNT messages of SIZE bytes with a unique
// Nats-Msg-Id each to a file stream, at most MAX_PENDING unacknowledged.
//
//   bench_publish_ceiling --url nats://127.0.0.1:4222 --stream S --subject s --count N --size B
//
// Prints one JSON line: {"count":N,"acked":N,"errors":0,"duplicates":0,"seconds":...,"rate":...}
// where seconds runs from the first publish to the last acknowledgement. Exit code 1 when a
// message was not acknowledged.
#include <nats/nats.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

struct Options {
  std::string url;
  std::string stream;
  std::string subject;
  uint64_t count = 100000;
  size_t size = 512;
  int64_t max_pending = 4096;
  std::string storage = "file";
  std::string republish;     // RePublish destination ("" = none), as the tracking streams have
  bool event_headers = false;  // also the Dbct-* headers of a change event (SPEC §4)
};

struct Counts {
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> duplicates{0};
};

void Check(natsStatus status, const char* what) {
  if (status != NATS_OK) {
    throw std::runtime_error(std::string(what) + ": " + natsStatus_GetText(status) + " " +
                             nats_GetLastError(nullptr));
  }
}

struct ConnectionDeleter {
  void operator()(natsConnection* nc) const { natsConnection_Destroy(nc); }
};
struct JsDeleter {
  void operator()(jsCtx* js) const { jsCtx_Destroy(js); }
};
struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};

// Runs on cnats' reply thread for every message: count it and give the message back.
void OnAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
  auto* counts = static_cast<Counts*>(closure);
  if (ack != nullptr) {
    counts->acked.fetch_add(1, std::memory_order_relaxed);
    if (ack->Duplicate) counts->duplicates.fetch_add(1, std::memory_order_relaxed);
  } else if (err != nullptr) {
    counts->errors.fetch_add(1, std::memory_order_relaxed);
  }
  natsMsg_Destroy(msg);
}

int Run(const Options& o) {
  natsConnection* raw_nc = nullptr;
  Check(natsConnection_ConnectTo(&raw_nc, o.url.c_str()), "connect to NATS");
  std::unique_ptr<natsConnection, ConnectionDeleter> nc(raw_nc);

  Counts counts;
  jsOptions js_options;
  Check(jsOptions_Init(&js_options), "jsOptions_Init");
  js_options.PublishAsync.MaxPending = o.max_pending;
  js_options.PublishAsync.AckHandler = OnAck;
  js_options.PublishAsync.AckHandlerClosure = &counts;
  jsCtx* raw_js = nullptr;
  Check(natsConnection_JetStream(&raw_js, nc.get(), &js_options), "JetStream context");
  std::unique_ptr<jsCtx, JsDeleter> js(raw_js);

  jsStreamConfig config;
  Check(jsStreamConfig_Init(&config), "jsStreamConfig_Init");
  config.Name = o.stream.c_str();
  const char* subjects[] = {o.subject.c_str()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = o.storage == "memory" ? js_MemoryStorage : js_FileStorage;
  config.MaxMsgs = -1;
  config.Duplicates = int64_t(120) * 1000 * 1000 * 1000;  // 2 min, the tracking streams' default
  jsRePublish republish;
  if (!o.republish.empty()) {
    jsRePublish_Init(&republish);
    republish.Source = o.subject.c_str();
    republish.Destination = o.republish.c_str();
    config.RePublish = &republish;
  }
  jsStreamInfo* info = nullptr;
  jsErrCode js_error = jsErrCode(0);
  Check(js_AddStream(&info, js.get(), &config, nullptr, &js_error), "create the stream");
  jsStreamInfo_Destroy(info);

  const std::string payload(o.size, 'x');
  char msg_id[64];
  const auto begin = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= o.count; i++) {
    natsMsg* raw_msg = nullptr;
    Check(natsMsg_Create(&raw_msg, o.subject.c_str(), nullptr, payload.data(), int(payload.size())),
          "natsMsg_Create");
    std::unique_ptr<natsMsg, MsgDeleter> msg(raw_msg);
    std::snprintf(msg_id, sizeof msg_id, "ceiling:%llu", static_cast<unsigned long long>(i));
    Check(natsMsgHeader_Set(msg.get(), "Nats-Msg-Id", msg_id), "set Nats-Msg-Id");
    if (o.event_headers) {
      // sizes of a 10-column row's event: position, op, table, key
      Check(natsMsgHeader_Set(msg.get(), "Dbct-Position", msg_id + 8), "set Dbct-Position");
      Check(natsMsgHeader_Set(msg.get(), "Dbct-Op", "c"), "set Dbct-Op");
      Check(natsMsgHeader_Set(msg.get(), "Dbct-Table", "public.drain_mixed"), "set Dbct-Table");
      Check(natsMsgHeader_Set(msg.get(), "Dbct-Key", "{\"id\":12345}"), "set Dbct-Key");
    }
    natsMsg* owned = msg.release();
    natsStatus status = js_PublishMsgAsync(js.get(), &owned, nullptr);
    // A full window stalls StallWait and then times out: publish the same message again.
    while (status == NATS_TIMEOUT && owned != nullptr) status = js_PublishMsgAsync(js.get(), &owned, nullptr);
    natsMsg_Destroy(owned);  // null when cnats took it
    Check(status, "publish");
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = 120000;
  natsStatus complete = js_PublishAsyncComplete(js.get(), &wait);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();

  const uint64_t acked = counts.acked.load();
  std::printf(
      "{\"count\":%llu,\"acked\":%llu,\"errors\":%llu,\"duplicates\":%llu,\"size\":%zu,"
      "\"max_pending\":%lld,\"seconds\":%.6f,\"rate\":%.1f}\n",
      static_cast<unsigned long long>(o.count), static_cast<unsigned long long>(acked),
      static_cast<unsigned long long>(counts.errors.load()),
      static_cast<unsigned long long>(counts.duplicates.load()), o.size,
      static_cast<long long>(o.max_pending), seconds, seconds > 0 ? double(acked) / seconds : 0.0);
  return complete == NATS_OK && acked == o.count && counts.errors.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"publish ceiling: plain cnats async JetStream publishes with Nats-Msg-Id"};
  app.add_option("--url", o.url, "NATS url")->required();
  app.add_option("--stream", o.stream, "stream to create (or reuse)")->required();
  app.add_option("--subject", o.subject, "subject of the stream and the messages")->required();
  app.add_option("--count", o.count, "messages to publish");
  app.add_option("--size", o.size, "payload bytes per message");
  app.add_option("--max-pending", o.max_pending, "bound of unacknowledged publishes");
  app.add_option("--storage", o.storage, "stream storage")->check(CLI::IsMember({"file", "memory"}));
  app.add_option("--republish", o.republish, "RePublish the stream's messages to this subject");
  app.add_flag("--event-headers", o.event_headers, "also set the Dbct-* headers of a change event");
  CLI11_PARSE(app, argc, argv);
  try {
    int rc = Run(o);
    nats_Close();
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
