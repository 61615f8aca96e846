// Engine construction for the agent runtime.
#include "agent/probe/probe_factory.hpp"

#include "agent/probe/icmp_engine.hpp"
#include "agent/probe/tcp_engine.hpp"

namespace pathwatch::agent {

ProbeEnginePtr make_icmp_engine(boost::asio::io_context& io, const PathConfig& path, bool ipv6,
                                ProbeResultSink sink, const shared::Clock& clock) {
  return std::make_unique<IcmpEngine>(io, path, ipv6, std::move(sink), clock);
}

ProbeEnginePtr make_tcp_engine(boost::asio::io_context& io, const PathConfig& path,
                               ProbeResultSink sink, const shared::Clock& clock) {
  return std::make_unique<TcpEngine>(io, path, std::move(sink), clock);
}

}  // namespace pathwatch::agent
