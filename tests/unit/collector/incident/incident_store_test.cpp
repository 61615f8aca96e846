// Incident storage (SQLite file and memory) and the /v1/incidents routes over it.
#include "collector/incident/incident_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "collector/api/incident_routes.hpp"
#include "tests/unit/collector/incident/lab_rows.hpp"

namespace pathwatch::collector::incident {
namespace {

using testing::t;

Incident make(const std::string& id, int opened, std::optional<int> closed) {
  Incident inc;
  inc.id = id;
  inc.opened = t(opened);
  inc.updated = t(opened);
  if (closed) inc.closed = t(*closed);
  inc.services = {"asp-app"};
  inc.sites = {"main"};
  VerdictPoint p;
  p.at = t(opened);
  p.summary = "down: dc-edge";
  p.causes = {{"dc-edge"}};
  inc.history.push_back(p);
  return inc;
}

void exercise(IncidentStore& s) {
  s.save(make("INC-A", 10, 20));
  s.save(make("INC-B", 30, std::nullopt));
  auto b = make("INC-B", 30, std::nullopt);
  b.history.push_back(b.history[0]);
  s.save(b);  // upsert: still two incidents
  const auto all = s.list({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "INC-B");  // newest first
  EXPECT_EQ(all[0].history.size(), 2u);
  IncidentQuery open;
  open.open_only = true;
  ASSERT_EQ(s.list(open).size(), 1u);
  ASSERT_TRUE(s.get("INC-A").has_value());
  EXPECT_EQ(*s.get("INC-A")->closed, t(20));
  EXPECT_FALSE(s.get("INC-C").has_value());
}

TEST(IncidentStore, Memory) {
  MemoryIncidentStore s;
  exercise(s);
}

TEST(IncidentStore, SqliteFileSurvivesReopen) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pw-incident-store-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "pw.db").string();
  {
    auto s = open_sqlite_incident_store(db, std::chrono::milliseconds{1000});
    exercise(*s);
  }
  {
    auto s = open_sqlite_incident_store(db, std::chrono::milliseconds{1000});
    EXPECT_EQ(s->list({}).size(), 2u);
  }
  std::filesystem::remove_all(dir);
}

TEST(IncidentRoutes, ListDetailAndErrors) {
  MemoryIncidentStore s;
  s.save(make("INC-A", 10, 20));
  s.save(make("INC-B", 30, std::nullopt));
  auto r = incident_route({"GET", "/v1/incidents", ""}, "", {}, &s);
  ASSERT_EQ(r.status, 200);
  auto j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j["incidents"].size(), 2u);
  EXPECT_EQ(j["incidents"][0]["id"], "INC-B");
  EXPECT_EQ(j["incidents"][0]["state"], "open");
  EXPECT_EQ(j["incidents"][1]["summary"], "down: dc-edge");
  r = incident_route({"GET", "/v1/incidents?open=1", ""}, "", {{"open", "1"}}, &s);
  EXPECT_EQ(nlohmann::json::parse(r.body)["incidents"].size(), 1u);
  r = incident_route({"GET", "/v1/incidents/INC-A", ""}, "/INC-A", {}, &s);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["state"], "closed");
  EXPECT_EQ(incident_route({"GET", "", ""}, "/INC-X", {}, &s).status, 404);
  EXPECT_EQ(incident_route({"GET", "", ""}, "", {{"limit", "zero"}}, &s).status, 400);
  EXPECT_EQ(incident_route({"POST", "", ""}, "", {}, &s).status, 405);
  EXPECT_EQ(incident_route({"GET", "", ""}, "", {}, nullptr).status, 404);
}

}  // namespace
}  // namespace pathwatch::collector::incident
