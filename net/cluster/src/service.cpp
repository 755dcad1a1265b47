#include "av/cluster/service.hpp"

#include <stdexcept>

#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "av/base/log.hpp"

namespace av::cluster {

namespace {

bool tls_configured(const config::settings& cfg) {
  return !cfg.cluster_tls_cert.empty();
}

bool wildcard(const std::string& address) {
  return address == "0.0.0.0" || address == "::";
}

bool loopback(const std::string& address) {
  return address == "localhost" || address == "::1"
         || address.rfind("127.", 0) == 0;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

} // namespace

void configure(caf::actor_system_config& caf_cfg, const config::settings& cfg) {
  caf_cfg.load<caf::io::middleman>();
  caf_cfg.set(
    "middleman.heartbeat-interval",
    caf::timespan{std::chrono::milliseconds{cfg.cluster_heartbeat_ms}});
  caf_cfg.set("middleman.connection-timeout",
              caf::timespan{std::chrono::milliseconds{cfg.cluster_timeout_ms}});
  // CAF refuses the handshake of a node that speaks another version.
  caf_cfg.set("middleman.app-identifiers",
              std::vector<std::string>{app_identifier()});
  caf_cfg.add_message_types<caf::id_block::av_cluster>();
  if (tls_configured(cfg)) {
    caf_cfg.load<caf::openssl::manager>();
    caf_cfg.openssl_certificate = cfg.cluster_tls_cert;
    caf_cfg.openssl_key = cfg.cluster_tls_key;
    caf_cfg.openssl_cafile = cfg.cluster_tls_ca;
  }
}

std::string node_name(const config::settings& cfg) {
  return cfg.node_name.empty() ? host_name() : cfg.node_name;
}

std::uint32_t node_slot(const config::settings& cfg, const std::string& name) {
  if (cfg.node_slot >= 0)
    return static_cast<std::uint32_t>(cfg.node_slot);
  if (cfg.cluster_seeds.empty())
    return 0;
  // FNV-1a: stable across builds and machines, unlike std::hash.
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name)
    h = (h ^ c) * 16777619u;
  return 1 + h % max_slot;
}

std::string advertised_host(const config::settings& cfg) {
  if (!cfg.cluster_advertise.empty())
    return cfg.cluster_advertise;
  if (wildcard(cfg.cluster_bind_address))
    return host_name();
  return cfg.cluster_bind_address;
}

service::service(const config::settings& cfg, caf::actor_system& sys,
                 node_context_ptr ctx, registry_actor registry, bus_actor bus,
                 layout_offer layout)
  : sys_(sys), name_(ctx->node_name), tls_(tls_configured(cfg)) {
  view_ = spawn_view(sys, ctx, std::move(registry), std::move(bus),
                     std::move(layout));
  node_settings ns;
  ns.self = member{name_, advertised_host(cfg), cfg.cluster_port, ctx->slot};
  ns.view = view_;
  ns.secret = cfg.cluster_secret;
  for (auto& seed : cfg.cluster_seeds)
    ns.seeds.emplace_back(seed.host, seed.port);
  ns.timeout = std::chrono::milliseconds{cfg.cluster_timeout_ms};
  auto bind = cfg.cluster_bind_address.c_str();
  // Connects and publishes through TLS when configured: the OpenSSL
  // manager's middleman actor speaks the same protocol over TLS.
  auto dialer
    = caf::actor_cast<dialer_actor>(tls_ ? sys.openssl_manager().actor_handle()
                                         : sys.middleman().actor_handle());
  // Bound before the actor joins anyone: a node that cannot listen must
  // not appear in the others' lists.
  actor_ = spawn_node(sys, dialer, ns);
  // SO_REUSEADDR: a node restarted at once after a crash binds its port
  // while the old connections linger in TIME_WAIT. (Linux still refuses a
  // second listener on the port.)
  auto reuse = true;
  auto bound
    = tls_ ? caf::openssl::publish(actor_, cfg.cluster_port, bind, reuse)
           : sys.middleman().publish(actor_, cfg.cluster_port, bind, reuse);
  if (!bound) {
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(view_, caf::exit_reason::user_shutdown);
    throw std::runtime_error(
      "cannot listen for the cluster on "
      + address_of(cfg.cluster_bind_address, cfg.cluster_port) + ": "
      + sys.render(bound.error()));
  }
  port_ = *bound;
  caf::anon_send(actor_, caf::publish_atom::value, port_);
  sys.registry().put(node_actor_name,
                     caf::actor_cast<caf::strong_actor_ptr>(actor_));
  sys.registry().put(cluster_registry_name,
                     caf::actor_cast<caf::strong_actor_ptr>(view_));
  log::info("cluster port open",
            {{"node", name_},
             {"address", address_of(cfg.cluster_bind_address, port_)},
             {"advertised", address_of(ns.self.host, port_)},
             {"tls", tls_},
             {"slot", ctx->slot},
             {"seeds", cfg.cluster_seeds.size()}});
  if (!tls_ && loopback(cfg.cluster_bind_address))
    log::info("cluster port on loopback only: other machines cannot join; "
              "set CLUSTER_BIND_ADDRESS, with CLUSTER_TLS_CERT, "
              "CLUSTER_TLS_KEY and CLUSTER_TLS_CA, to open it");
  else if (!tls_)
    log::warn("cluster traffic is not encrypted: set CLUSTER_TLS_CERT, "
              "CLUSTER_TLS_KEY and CLUSTER_TLS_CA",
              {{"address", address_of(cfg.cluster_bind_address, port_)}});
  if (cfg.cluster_secret.empty() && !loopback(cfg.cluster_bind_address))
    log::warn("no CLUSTER_SECRET: any node that reaches the cluster port "
              "may join");
}

service::~service() {
  stop();
}

void service::stop() {
  if (!actor_)
    return;
  sys_.registry().erase(node_actor_name);
  sys_.registry().erase(cluster_registry_name);
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(view_, caf::exit_reason::user_shutdown);
  actor_ = node_actor{};
  view_ = view_actor{};
}

} // namespace av::cluster
