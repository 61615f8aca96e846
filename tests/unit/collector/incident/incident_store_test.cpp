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

// Issue 15 item 7: a loss at the site router, notified as "down: main-primary"; while it
// recovers, the verdict's last draft blames lgcs. The closed incident's headline stays what
// was notified; the draft is kept in the history, not settled; the current one stays
// readable beside it.
notify::SuspectSegment segment(const std::string& name) {
  notify::SuspectSegment s;
  s.segment = name;
  return s;
}

TEST(IncidentHeadline, AClosedIncidentReadsAsWhatWasNotified) {
  Incident inc = make("INC-S", 10, 60);
  inc.history[0].summary = "down: main-primary";
  inc.history[0].causes = {{"main-primary"}};
  inc.history[0].conclusive = true;
  VerdictPoint draft;
  draft.at = t(50);
  draft.fault = notify::FaultNature::kDegraded;
  draft.causes = {{"lgcs"}};
  draft.conclusive = true;
  draft.summary = "degraded: lgcs";
  inc.history.push_back(draft);
  inc.summary.causes = {notify::Cause{{segment("lgcs")}}};
  notify::Notification told;
  told.kind = notify::NotificationKind::kOpened;
  told.incident_id = inc.id;
  told.at = t(20);
  told.verdict.causes = {notify::Cause{{segment("main-primary")}}};
  told.verdict.conclusive = true;
  mark_notified(inc, told);
  EXPECT_TRUE(inc.history[0].settled);
  EXPECT_FALSE(inc.history[1].settled);
  ASSERT_NE(headline(inc), nullptr);
  EXPECT_EQ(headline(inc)->summary, "down: main-primary");

  const auto j = nlohmann::json::parse(incident_to_json(inc));
  EXPECT_EQ(j["summary"], "down: main-primary");
  EXPECT_EQ(j["current_summary"], "degraded: lgcs");
  EXPECT_EQ(j["causes"][0][0]["segment"], "main-primary");
  EXPECT_EQ(j["history"][0]["settled"], true);
  EXPECT_EQ(j["history"][1]["settled"], false);
  EXPECT_EQ(j["notified"]["summary"], "down: main-primary");

  const Incident back = incident_from_json(incident_to_json(inc));
  EXPECT_EQ(headline(back)->summary, "down: main-primary");
  EXPECT_EQ(back.summary.causes.at(0).alternatives.at(0).segment, "lgcs");  // current kept
  EXPECT_EQ(back.notified_summary.causes.at(0).alternatives.at(0).segment, "main-primary");
  EXPECT_TRUE(back.history[0].settled);
  EXPECT_EQ(incident_to_json(back), incident_to_json(inc));

  // Still open, the incident reads as its current verdict (the API shows it live).
  inc.closed.reset();
  EXPECT_EQ(nlohmann::json::parse(incident_to_json(inc))["summary"], "degraded: lgcs");
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
