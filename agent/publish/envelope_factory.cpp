// Envelope identity, sequence and creation time.
#include "agent/publish/envelope_factory.hpp"

namespace pathwatch::agent {

EnvelopeFactory::EnvelopeFactory(std::string agent_id, std::string site, const shared::Clock& clock,
                                 std::uint64_t next_seq)
    : agent_id_(std::move(agent_id)),
      site_(std::move(site)),
      clock_(clock),
      next_seq_(next_seq == 0 ? 1 : next_seq) {}

pathwatch::v1::Envelope EnvelopeFactory::make() {
  pathwatch::v1::Envelope env;
  env.set_schema_version(kSchemaVersion);
  env.set_agent_id(agent_id_);
  env.set_site(site_);
  env.set_seq(next_seq_++);
  env.set_created_unix_nanos(shared::to_unix_nanos(clock_.utc_now()));
  return env;
}

}  // namespace pathwatch::agent
