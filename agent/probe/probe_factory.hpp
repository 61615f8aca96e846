// How the agent runtime creates probe engines: one ICMP engine per (path, address family) and
// one TCP engine per path. Set-up failures throw std::runtime_error with the path's name.
#pragma once

#include <boost/asio/io_context.hpp>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_engine.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

ProbeEnginePtr make_icmp_engine(boost::asio::io_context& io, const PathConfig& path, bool ipv6,
                                ProbeResultSink sink, const shared::Clock& clock);
ProbeEnginePtr make_tcp_engine(boost::asio::io_context& io, const PathConfig& path,
                               ProbeResultSink sink, const shared::Clock& clock);

}  // namespace pathwatch::agent
