// Thin RAII over the SQLite C API: a connection and prepared statements with typed binds and
// columns. Errors become StoreError here, at the adapter, so SQLite codes never leak inward.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pathwatch::collector::sqlite {

class Connection {
 public:
  // Opens (creating if needed) a database file. Throws StoreError.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql);  // throws StoreError
  sqlite3* get() const { return db_; }
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK when left without commit() (an exception).
class Transaction {
 public:
  explicit Transaction(Connection& db);  // throws StoreError
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();  // throws StoreError

 private:
  Connection& db_;
  bool done_ = false;
};

class Statement {
 public:
  Statement(const Connection& db, std::string_view sql);  // throws StoreError
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // 1-based indices like SQLite's own.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);
  // true: a row is ready; false: done. Throws StoreError on failure.
  bool step();
  // Runs a statement that returns no rows, then resets it.
  void run();
  void reset();

  std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  bool column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
  std::string column_text(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace pathwatch::collector::sqlite
