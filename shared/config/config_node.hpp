// Strict reading of YAML configuration: every value knows its FILE:LINE:COL, every map
// rejects keys nobody asked for, every scalar is checked for type and range. Loaders for the
// agent, collector and topology configs are written against this and never see yaml-cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/config/config_error.hpp"

namespace pathwatch::shared {

class ConfigMap;

class ConfigNode {
 public:
  // Throws ConfigError (with the parser's line and column) for unreadable or malformed files.
  static ConfigNode load_file(const std::string& path);
  static ConfigNode load_string(const std::string& text, const std::string& name);

  SourceLocation location() const;
  // Where the value sits in the document, e.g. "targets[2].address", for messages.
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& message) const;

  bool is_null() const;
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }

  // The value as canonical text (map keys sorted, scalars quoted): equal texts mean equal
  // values whatever the layout (flow or block, key order, comments). A SIGHUP compares keys so.
  std::string canonical() const;
  // A map's keys and values in file order, without ConfigMap's strict bookkeeping (empty for
  // anything but a map).
  std::vector<std::pair<std::string, ConfigNode>> children() const;

  ConfigMap as_map() const;
  std::vector<ConfigNode> as_sequence() const;
  // A scalar, or a sequence of scalars, as a list of nodes.
  std::vector<ConfigNode> as_scalar_or_sequence() const;

  std::string as_string() const;
  std::string as_nonempty_string() const;
  bool as_bool() const;
  std::int64_t as_int(std::int64_t min, std::int64_t max) const;
  double as_double(double min, double max) const;
  // "250us", "10ms", "1s", "5m", "1h", "1d"; a bare number is rejected (units are required).
  std::chrono::nanoseconds as_duration(std::chrono::nanoseconds min,
                                       std::chrono::nanoseconds max) const;
  // "512", "64KiB", "16MiB", "1GiB", "10MB".
  std::uint64_t as_bytes(std::uint64_t min, std::uint64_t max) const;
  // One of a fixed set of words; the error lists them.
  template <typename Enum>
  Enum as_enum(std::initializer_list<std::pair<std::string_view, Enum>> choices) const;

  ConfigNode(YAML::Node node, std::shared_ptr<const std::string> file, std::string path);

 private:
  std::string raw_scalar(const char* expected) const;
  [[noreturn]] void fail_choices(const std::vector<std::string_view>& words) const;
  friend class ConfigMap;

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
};

// A YAML mapping read strictly: keys are taken with required()/optional(), and finish()
// reports the first key that nobody took (a typo in a config must never be ignored).
class ConfigMap {
 public:
  explicit ConfigMap(const ConfigNode& node);

  ConfigNode required(std::string_view key);
  std::optional<ConfigNode> optional(std::string_view key);
  bool has(std::string_view key) const;
  // Every key/value pair, for maps whose keys are data (e.g. hop address -> path name).
  std::vector<std::pair<ConfigNode, ConfigNode>> entries();
  // Throws for the first key not taken.
  void finish() const;
  const ConfigNode& node() const { return node_; }

 private:
  struct Entry {
    std::string key;
    ConfigNode key_node;
    ConfigNode value;
    bool taken = false;
  };
  ConfigNode node_;
  std::vector<Entry> entries_;
};

template <typename Enum>
Enum ConfigNode::as_enum(std::initializer_list<std::pair<std::string_view, Enum>> choices) const {
  const std::string word = raw_scalar("one of a fixed set of words");
  std::vector<std::string_view> words;
  for (const auto& [name, value] : choices) {
    if (name == word) return value;
    words.push_back(name);
  }
  fail_choices(words);
}

}  // namespace pathwatch::shared
