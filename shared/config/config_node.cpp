#include "shared/config/config_node.hpp"

#include <charconv>
#include <map>

#include "shared/config/regular_file.hpp"
#include "shared/config/units.hpp"

namespace pathwatch::shared {
namespace {

SourceLocation location_of(const YAML::Mark& mark, const std::string& file) {
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

ConfigNode parse(const std::string& text, const std::string& name) {
  auto file = std::make_shared<const std::string>(name);
  try {
    YAML::Node root = YAML::Load(text);
    return ConfigNode(root, file, "");
  } catch (const YAML::Exception& e) {
    throw ConfigError(location_of(e.mark, name), e.msg);
  }
}

}  // namespace

ConfigNode::ConfigNode(YAML::Node node, std::shared_ptr<const std::string> file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

namespace {
// Configs, topologies and calendars are hand-written: megabytes would be a mistake.
constexpr std::size_t kMaxConfigFileBytes = 16 * 1024 * 1024;
}  // namespace

ConfigNode ConfigNode::load_file(const std::string& path) {
  // A directory, a FIFO or a symlink named as the config is refused with a clear message (not
  // "basic_filebuf::underflow error", not a hang).
  RegularFile file(path, "configuration file", RegularFile::Links::kFollow);
  return parse(file.read_all(kMaxConfigFileBytes), path);
}

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& name) {
  return parse(text, name);
}

SourceLocation ConfigNode::location() const {
  return location_of(node_.Mark(), *file_);
}

void ConfigNode::fail(const std::string& message) const {
  const std::string where = path_.empty() ? "" : path_ + ": ";
  throw ConfigError(location(), where + message);
}

bool ConfigNode::is_null() const {
  return !node_.IsDefined() || node_.IsNull();
}

namespace {

void append_canonical(const YAML::Node& node, std::string& out) {
  if (!node.IsDefined() || node.IsNull()) {
    out += "~";
  } else if (node.IsScalar()) {
    out += '"';
    for (const char c : node.Scalar()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else if (node.IsSequence()) {
    out += '[';
    bool first = true;
    for (const auto& item : node) {
      if (!first) out += ',';
      first = false;
      append_canonical(item, out);
    }
    out += ']';
  } else {
    std::map<std::string, std::string> sorted;
    for (const auto& kv : node) {
      std::string key, value;
      append_canonical(kv.first, key);
      append_canonical(kv.second, value);
      sorted[key] = std::move(value);
    }
    out += '{';
    bool first = true;
    for (const auto& [k, v] : sorted) {
      if (!first) out += ',';
      first = false;
      out += k + ':' + v;
    }
    out += '}';
  }
}

}  // namespace

std::string ConfigNode::canonical() const {
  std::string out;
  append_canonical(node_, out);
  return out;
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::children() const {
  std::vector<std::pair<std::string, ConfigNode>> out;
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string{};
    out.emplace_back(key, ConfigNode(kv.second, file_, path_.empty() ? key : path_ + "." + key));
  }
  return out;
}

ConfigMap ConfigNode::as_map() const {
  return ConfigMap(*this);
}

std::vector<ConfigNode> ConfigNode::as_sequence() const {
  if (!node_.IsSequence()) fail("expected a list");
  std::vector<ConfigNode> items;
  items.reserve(node_.size());
  std::size_t i = 0;
  for (const auto& item : node_) {
    items.emplace_back(item, file_, path_ + "[" + std::to_string(i++) + "]");
  }
  return items;
}

std::vector<ConfigNode> ConfigNode::as_scalar_or_sequence() const {
  if (node_.IsScalar()) return {*this};
  return as_sequence();
}

std::string ConfigNode::raw_scalar(const char* expected) const {
  if (!node_.IsScalar()) fail(std::string("expected ") + expected);
  return node_.Scalar();
}

std::string ConfigNode::as_string() const {
  return raw_scalar("a string");
}

std::string ConfigNode::as_nonempty_string() const {
  std::string s = as_string();
  if (s.empty()) fail("must not be empty");
  return s;
}

bool ConfigNode::as_bool() const {
  const std::string s = raw_scalar("true or false");
  if (s == "true") return true;
  if (s == "false") return false;
  fail("expected true or false, got '" + s + "'");
}

std::int64_t ConfigNode::as_int(std::int64_t min, std::int64_t max) const {
  const std::string s = raw_scalar("an integer");
  std::int64_t value = 0;
  int base = 10;
  std::size_t skip = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    skip = 2;
  }
  const auto [ptr, ec] = std::from_chars(s.data() + skip, s.data() + s.size(), value, base);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.size() == skip) {
    fail("expected an integer, got '" + s + "'");
  }
  if (value < min || value > max) {
    fail("value " + s + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

double ConfigNode::as_double(double min, double max) const {
  const std::string s = raw_scalar("a number");
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) fail("expected a number, got '" + s + "'");
  if (!(value >= min && value <= max)) {
    fail("value " + s + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

std::chrono::nanoseconds ConfigNode::as_duration(std::chrono::nanoseconds min,
                                                 std::chrono::nanoseconds max) const {
  const std::string s = raw_scalar("a duration such as 500ms or 10s");
  const auto d = parse_duration(s);
  if (!d) fail("expected a duration with a unit (ns, us, ms, s, m, h, d), got '" + s + "'");
  if (*d < min || *d > max) {
    fail("duration " + s + " out of range [" + format_duration(min) + ", " + format_duration(max) +
         "]");
  }
  return *d;
}

std::uint64_t ConfigNode::as_bytes(std::uint64_t min, std::uint64_t max) const {
  const std::string s = raw_scalar("a size such as 64MiB");
  const auto b = parse_bytes(s);
  if (!b) fail("expected a size (B, kB, KiB, MB, MiB, GB, GiB), got '" + s + "'");
  if (*b < min || *b > max) {
    fail("size " + s + " out of range [" + std::to_string(min) + ", " + std::to_string(max) +
         "] bytes");
  }
  return *b;
}

void ConfigNode::fail_choices(const std::vector<std::string_view>& words) const {
  fail("expected one of: " + join(words) + "; got '" + node_.Scalar() + "'");
}

ConfigMap::ConfigMap(const ConfigNode& node) : node_(node) {
  const YAML::Node& raw = node.node_;
  if (!raw.IsMap()) node.fail("expected a mapping (key: value)");
  for (const auto& kv : raw) {
    const std::string prefix = node.path_.empty() ? "" : node.path_ + ".";
    ConfigNode key_node(kv.first, node.file_, node.path_);
    if (!kv.first.IsScalar()) key_node.fail("keys must be plain words");
    std::string key = kv.first.Scalar();
    for (const auto& e : entries_) {
      if (e.key == key) key_node.fail("duplicate key '" + key + "'");
    }
    entries_.push_back(
        Entry{key, key_node, ConfigNode(kv.second, node.file_, prefix + key), false});
  }
}

ConfigNode ConfigMap::required(std::string_view key) {
  if (auto value = optional(key)) return *value;
  for (const auto& e : entries_) {
    if (e.key == key) e.key_node.fail("key '" + e.key + "' needs a value");
  }
  node_.fail("missing required key '" + std::string(key) + "'");
}

std::optional<ConfigNode> ConfigMap::optional(std::string_view key) {
  for (auto& e : entries_) {
    if (e.key == key) {
      e.taken = true;
      if (e.value.is_null()) return std::nullopt;
      return e.value;
    }
  }
  return std::nullopt;
}

bool ConfigMap::has(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return true;
  }
  return false;
}

std::vector<std::pair<ConfigNode, ConfigNode>> ConfigMap::entries() {
  std::vector<std::pair<ConfigNode, ConfigNode>> out;
  for (auto& e : entries_) {
    e.taken = true;
    out.emplace_back(e.key_node, e.value);
  }
  return out;
}

void ConfigMap::finish() const {
  for (const auto& e : entries_) {
    if (!e.taken) e.key_node.fail("unknown key '" + e.key + "'");
  }
}

}  // namespace pathwatch::shared
