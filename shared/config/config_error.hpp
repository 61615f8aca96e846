// Configuration and start-up errors: one exception type whose message is always
// "FILE:LINE:COL: message" (1-based line and column), so editors jump straight to the fault.
#pragma once

#include <stdexcept>
#include <string>

namespace pathwatch::shared {

// Where in which file a configuration value came from.
struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown (e.g. the file could not be opened)
  int column = 0;  // 1-based
  std::string to_string() const;
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(SourceLocation where, const std::string& message);
  const SourceLocation& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  SourceLocation where_;
  std::string message_;
};

// Exit code for invalid configuration or command line, shared by every binary.
inline constexpr int kExitConfigError = 2;

}  // namespace pathwatch::shared
