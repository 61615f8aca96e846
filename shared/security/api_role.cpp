// The role table. Keep it explicit (no "operator includes viewer" arithmetic): a future role
// such as `vendor` gets exactly the permissions listed for it.
#include "shared/security/api_role.hpp"

namespace pathwatch::shared {

bool role_allows(ApiRole role, ApiPermission permission) {
  switch (role) {
    case ApiRole::kViewer:
      return permission == ApiPermission::kRead;
    case ApiRole::kOperator:
      return permission == ApiPermission::kRead || permission == ApiPermission::kWrite ||
             permission == ApiPermission::kReadAudit;
  }
  return false;
}

std::string_view role_name(ApiRole role) {
  switch (role) {
    case ApiRole::kViewer:
      return "viewer";
    case ApiRole::kOperator:
      return "operator";
  }
  return "unknown";
}

std::optional<ApiRole> parse_api_role(std::string_view name) {
  if (name == "viewer") return ApiRole::kViewer;
  if (name == "operator") return ApiRole::kOperator;
  return std::nullopt;
}

}  // namespace pathwatch::shared
