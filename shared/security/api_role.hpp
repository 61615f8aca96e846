// Who may do what on the collector's API: roles name what a caller is, permissions what a route
// needs. A role is a set of permissions, so a `vendor` role (its own services' reports only) is
// one more row here plus a scope check in the routes, not a rank between the others.
#pragma once

#include <optional>
#include <string_view>

namespace pathwatch::shared {

enum class ApiRole {
  kViewer,    // reads: status, sites, events, availability, maintenance, incidents
  kOperator,  // reads, writes (maintenance windows) and the audit trail
};

enum class ApiPermission {
  kRead,       // GET of the monitoring data
  kWrite,      // any request that changes state (POST, PUT, PATCH, DELETE)
  kReadAudit,  // GET /v1/audit: who changed what
};

bool role_allows(ApiRole role, ApiPermission permission);

std::string_view role_name(ApiRole role);
// "viewer" / "operator"; nullopt for anything else.
std::optional<ApiRole> parse_api_role(std::string_view name);

}  // namespace pathwatch::shared
