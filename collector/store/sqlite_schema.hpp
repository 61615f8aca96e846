// The SQLite store's schema as versioned migrations in code: each step runs once, in its own
// transaction, and is recorded in the schema_version table.
#pragma once

#include <span>
#include <string>

#include "collector/store/sqlite_statement.hpp"

namespace pathwatch::collector::sqlite {

struct Migration {
  int version;  // 1, 2, 3… strictly increasing
  const char* sql;
};

// The migrations of this build, oldest first.
std::span<const Migration> migrations();
int latest_schema_version();

// The version recorded in the database (0 for a new file).
int schema_version(Connection& db);
// Applies every migration newer than the database's version. Throws StoreError (also when the
// database is newer than this build: never guess at a schema we do not know).
void migrate(Connection& db, std::span<const Migration> steps, std::int64_t now_unix_nanos);

}  // namespace pathwatch::collector::sqlite
