// The API's audit trail: every write request (who, when, what, result) becomes an AuditRecord
// in the store, and GET /v1/audit reads them back for operators. What is never recorded: the
// Authorization header, tokens, and any body field whose name says it is a secret.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "collector/api/api_access.hpp"
#include "collector/api/api_handler.hpp"
#include "collector/store/store.hpp"

namespace pathwatch::collector {

// At most this many bytes of summary (and of a single field's value, 120) per record: the
// trail says what was asked, it does not archive request bodies.
inline constexpr std::size_t kAuditSummaryBytes = 512;

// A JSON object body -> its fields re-serialized, each value cut to 120 bytes, the values of
// keys containing "token", "secret", "password", "authorization" or "key" replaced by
// "<redacted>"; anything else -> "<N bytes, not a JSON object>"; empty -> "".
std::string audit_summary(std::string_view body);

// The record of one write, with `at` from the caller (the collector's clock).
AuditRecord make_audit_record(const ApiRequest& request, const ApiCaller& caller,
                              const ApiResponse& response, shared::UtcNanos at);

// GET /v1/audit[?since=T&limit=N]: newest first, default limit 100 (max 10000).
ApiResponse audit_route(const std::map<std::string, std::string>& query, Store& store);

}  // namespace pathwatch::collector
