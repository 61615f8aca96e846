#include "agent/probe/probe_result.hpp"

namespace pathwatch::agent {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kUnreachable:
      return "unreachable";
    case Outcome::kTimeExceeded:
      return "time-exceeded";
    case Outcome::kError:
      return "error";
  }
  return "unknown";
}

}  // namespace pathwatch::agent
