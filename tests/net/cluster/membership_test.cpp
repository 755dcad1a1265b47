#define CAF_SUITE cluster.membership

#include "av/cluster/membership.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

using namespace av::cluster;

namespace {

// Every node of these tests numbers in the slot of its port's number.
member at(std::string name, std::uint16_t port) {
  return member{std::move(name), "10.0.0.1", port, port};
}

hello hello_of(std::string name, std::uint16_t port,
               const std::string& secret) {
  hello x;
  x.name = std::move(name);
  x.host = "10.0.0.1";
  x.port = port;
  x.slot = port;
  x.proof = proof_of(secret, x);
  return x;
}

} // namespace

CAF_TEST(a member comes up once and goes down once) {
  membership m{at("a", 4242)};
  CAF_CHECK(m.up(at("b", 4243), 10));
  CAF_CHECK(!m.up(at("b", 4243), 20));
  CAF_CHECK_EQUAL(m.find("b")->since_ms, 10);
  CAF_CHECK(m.down("b", 30));
  CAF_CHECK(!m.down("b", 40));
  CAF_CHECK(!m.down("nobody", 40));
  CAF_CHECK(m.find("b")->state == member_state::unreachable);
  CAF_CHECK_EQUAL(m.unreachable().size(), 1u);
  // Back, at the address it has now.
  auto moved = at("b", 5000);
  CAF_CHECK(m.up(moved, 50));
  CAF_CHECK(m.find("b")->state == member_state::up);
  CAF_CHECK_EQUAL(m.find("b")->port, 5000);
  CAF_CHECK_EQUAL(m.find("b")->since_ms, 50);
  CAF_CHECK(m.unreachable().empty());
}

CAF_TEST(the list starts with the node itself then goes by name) {
  membership m{at("m", 1)};
  m.up(at("z", 2), 0);
  m.up(at("b", 3), 0);
  auto xs = m.list();
  CAF_REQUIRE_EQUAL(xs.size(), 3u);
  CAF_CHECK_EQUAL(xs[0].name, "m");
  CAF_CHECK_EQUAL(xs[1].name, "b");
  CAF_CHECK_EQUAL(xs[2].name, "z");
}

CAF_TEST(a peer s list yields the members to connect to) {
  membership m{at("a", 1)};
  m.up(at("b", 2), 0);
  m.up(at("c", 3), 0);
  m.down("c", 1);
  auto xs = m.to_connect({at("b", 2), at("a", 1), at("c", 3), at("d", 4)});
  CAF_REQUIRE_EQUAL(xs.size(), 2u);
  CAF_CHECK_EQUAL(xs[0].name, "c");
  CAF_CHECK_EQUAL(xs[1].name, "d");
}

CAF_TEST(a name is owned by one up node at a time) {
  membership m{at("a", 1)};
  m.up(at("b", 2), 0);
  // The same node again (a restart at its address) is welcome.
  CAF_CHECK(!m.taken(hello_of("b", 2, "")));
  auto taken = m.taken(hello_of("b", 9, ""));
  CAF_REQUIRE(taken);
  CAF_CHECK_EQUAL(*taken, "node name \"b\" is taken by the node at 10.0.0.1:2");
  // Once b is unreachable another may take the name over.
  m.down("b", 1);
  CAF_CHECK(!m.taken(hello_of("b", 9, "")));
}

CAF_TEST(a slot is numbered in by one node) {
  membership m{at("a", 1)};
  m.up(at("b", 2), 0);
  auto own = hello_of("c", 3, "");
  own.slot = 1;
  CAF_CHECK_EQUAL(m.taken(own).value_or(""),
                  "node \"c\" numbers its agents in slot 1 as node \"a\" "
                  "does (give one of them another NODE_SLOT)");
  auto other = hello_of("c", 3, "");
  other.slot = 2;
  CAF_CHECK_EQUAL(m.taken(other).value_or(""),
                  "node \"c\" numbers its agents in slot 2 as node \"b\" "
                  "does (give one of them another NODE_SLOT)");
  // A node coming back keeps its slot; once b is unreachable its slot is
  // free again.
  CAF_CHECK(!m.taken(hello_of("b", 2, "")));
  m.down("b", 1);
  CAF_CHECK(!m.taken(other));
}

CAF_TEST(refusals name what differs) {
  CAF_CHECK(!refusal(hello_of("b", 2, "s3cret"), "a", "s3cret"));
  CAF_CHECK(!refusal(hello_of("b", 2, ""), "a", ""));
  auto old = hello_of("b", 2, "");
  old.version = protocol_version + 1;
  CAF_CHECK_EQUAL(refusal(old, "a", "").value_or(""),
                  "protocol version " + std::to_string(protocol_version + 1)
                    + " is not this node's " + std::to_string(protocol_version)
                    + " (run the same agent-server version on every node)");
  CAF_CHECK_EQUAL(refusal(hello_of("a", 2, ""), "a", "").value_or(""),
                  "node name \"a\" is this node's own (give every node its "
                  "own NODE_NAME)");
  CAF_CHECK_EQUAL(refusal(hello_of("", 2, ""), "a", "").value_or(""),
                  "the node has no name");
  CAF_CHECK_EQUAL(
    refusal(hello_of("b", 2, "other"), "a", "s3cret").value_or(""),
    "wrong cluster secret (CLUSTER_SECRET differs)");
  CAF_CHECK_EQUAL(refusal(hello_of("b", 2, ""), "a", "s3cret").value_or(""),
                  "wrong cluster secret (CLUSTER_SECRET differs)");
  CAF_CHECK_EQUAL(refusal(hello_of("b", 2, "s3cret"), "a", "").value_or(""),
                  "the node sends a cluster secret, this node has none");
  // A proof holds for the hello it was made for only.
  auto forged = hello_of("b", 2, "s3cret");
  forged.name = "c";
  CAF_CHECK(refusal(forged, "a", "s3cret"));
}

CAF_TEST(proofs are HMAC - SHA256 in hex and never the secret) {
  auto x = hello_of("b", 2, "s3cret");
  CAF_CHECK_EQUAL(x.proof.size(), 64u);
  CAF_CHECK_EQUAL(x.proof, proof_of("s3cret", x));
  CAF_CHECK_NOT_EQUAL(x.proof, proof_of("s3cret2", x));
  CAF_CHECK_EQUAL(x.proof.find("s3cret"), std::string::npos);
  CAF_CHECK(proof_of("", x).empty());
}

CAF_TEST(addresses bracket IPv6 hosts) {
  CAF_CHECK_EQUAL((member{"a", "fd00::3", 4242}.address()), "[fd00::3]:4242");
  CAF_CHECK_EQUAL((member{"a", "node-2", 4242}.address()), "node-2:4242");
  CAF_CHECK_EQUAL(app_identifier(),
                  "agentviz-cluster/" + std::to_string(protocol_version));
}
