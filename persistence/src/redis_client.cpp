#include "av/redis_client.hpp"

namespace av::persistence::detail {

namespace {

timeval to_timeval(std::chrono::milliseconds t) {
  timeval result;
  result.tv_sec = static_cast<time_t>(t.count() / 1000);
  result.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  return result;
}

void append(redisContext* ctx, const command& cmd) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(cmd.size());
  lens.reserve(cmd.size());
  for (const auto& arg : cmd) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  if (redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(),
                             lens.data())
      != REDIS_OK)
    throw redis_unavailable(ctx->errstr);
}

reply_ptr read_reply(redisContext* ctx) {
  void* raw = nullptr;
  if (redisGetReply(ctx, &raw) != REDIS_OK || !raw)
    throw redis_unavailable(ctx->err ? ctx->errstr : "connection lost");
  return reply_ptr{static_cast<redisReply*>(raw)};
}

} // namespace

redis_client::redis_client(const connection_url& url,
                           std::chrono::milliseconds timeout)
  : ctx_(nullptr, redisFree) {
  auto tv = to_timeval(timeout);
  ctx_.reset(redisConnectWithTimeout(url.host.c_str(), url.port, tv));
  if (!ctx_)
    throw redis_unavailable("cannot allocate a Redis context");
  if (ctx_->err)
    throw redis_unavailable(ctx_->errstr);
  redisSetTimeout(ctx_.get(), tv);
  if (!url.password.empty()) {
    if (url.user.empty())
      run({"AUTH", url.password});
    else
      run({"AUTH", url.user, url.password});
  }
  if (url.db_index != 0)
    run({"SELECT", std::to_string(url.db_index)});
}

reply_ptr redis_client::run(const command& cmd) {
  append(ctx_.get(), cmd);
  auto reply = read_reply(ctx_.get());
  if (reply->type == REDIS_REPLY_ERROR)
    throw redis_refused(std::string{reply->str, reply->len});
  return reply;
}

reply_ptr redis_client::receive() {
  return read_reply(ctx_.get());
}

size_t redis_client::pipeline(std::string_view bytes, size_t count) {
  if (redisAppendFormattedCommand(ctx_.get(), bytes.data(), bytes.size())
      != REDIS_OK)
    throw redis_unavailable(ctx_->errstr);
  size_t errors = 0;
  for (size_t i = 0; i < count; ++i)
    if (read_reply(ctx_.get())->type == REDIS_REPLY_ERROR)
      ++errors;
  return errors;
}

} // namespace av::persistence::detail
