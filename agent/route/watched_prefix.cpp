// Derives the watched prefixes and path interfaces from the agent config.
#include "agent/route/watched_prefix.hpp"

#include <charconv>

#include "shared/config/config_error.hpp"

namespace pathwatch::agent {

namespace {

template <typename Bytes>
void clear_host_bits(Bytes& bytes, int prefix_len) {
  const int total = static_cast<int>(bytes.size()) * 8;
  for (int bit = prefix_len; bit < total; ++bit) {
    bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
  }
}

}  // namespace

std::optional<WatchedPrefix> parse_watched_prefix(const std::string& prefix,
                                                  std::map<std::string, std::string> paths) {
  const auto slash = prefix.find('/');
  if (slash == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(prefix.substr(0, slash), ec);
  if (ec) return std::nullopt;
  int len = -1;
  const char* first = prefix.data() + slash + 1;
  const char* last = prefix.data() + prefix.size();
  const auto [end, err] = std::from_chars(first, last, len);
  if (err != std::errc{} || end != last || first == last) return std::nullopt;

  WatchedPrefix watch;
  watch.prefix = prefix;
  watch.interface_paths = std::move(paths);
  if (address.is_v4()) {
    if (len < 0 || len > 32) return std::nullopt;
    auto bytes = address.to_v4().to_bytes();
    clear_host_bits(bytes, len);
    watch.lookup_address = boost::asio::ip::address_v4(bytes);
  } else {
    if (len < 0 || len > 128) return std::nullopt;
    auto bytes = address.to_v6().to_bytes();
    clear_host_bits(bytes, len);
    watch.lookup_address = boost::asio::ip::address_v6(bytes);
  }
  return watch;
}

std::vector<WatchedPrefix> watched_prefixes(const AgentConfig& config) {
  std::vector<WatchedPrefix> out;
  for (const auto& w : config.route_watches) {
    auto watch = parse_watched_prefix(w.prefix, w.interface_paths);
    if (!watch) {
      throw shared::ConfigError({config.file, 0, 0},
                                "route_watch prefix '" + w.prefix + "' is not a valid prefix");
    }
    out.push_back(std::move(*watch));
  }
  return out;
}

std::map<std::string, std::string> path_interfaces(const AgentConfig& config) {
  std::map<std::string, std::string> out;
  for (const auto& w : config.route_watches) {
    for (const auto& [iface, path] : w.interface_paths) out.emplace(iface, path);
  }
  for (const auto& p : config.paths) {
    if (!p.interface.empty()) out.emplace(p.interface, p.name);
  }
  return out;
}

}  // namespace pathwatch::agent
