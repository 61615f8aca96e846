// API routes over an in-memory store and a manual clock: shapes, filters and error codes.
#include "collector/api/api_handler.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/incident/incident_store.hpp"
#include "collector/store/memory_store.hpp"

namespace pathwatch::collector {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// 2026-11-01T00:00:00Z
const shared::UtcNanos kT0 = shared::from_unix_nanos(1'793'491'200'000'000'000);

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoredStateChange c;
    c.flow = FlowRef{"a1", "honcho", "asp-app", "198.18.30.10", "primary", ProbeKind::kIcmp, 0};
    c.at = kT0 + 5s;
    c.from = PathState::kUp;
    c.to = PathState::kDown;
    c.reason = "3 consecutive losses";
    CommitBatch b;
    b.messages = {StoredMessage{"a1", "honcho", 1, c.at, c.at, c}};
    b.agents = {AgentUpdate{"a1", "honcho", kT0, kT0 + 5s, kT0 + 5s, 1, 1}};
    ASSERT_TRUE(store_.commit(b).ok);
  }
  ApiResponse call(const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return handle_api(ApiRequest{method, target, body}, ctx_);
  }

  MemoryStore store_;
  AnalysisConfig analysis_;
  shared::ManualClock clock_{kT0 + 30s};
  ApiContext ctx_{&store_, &analysis_, nullptr, &clock_, 60s};
};

TEST_F(ApiTest, StatusListsAgentsAndFlows) {
  const auto r = call("GET", "/v1/status");
  ASSERT_EQ(r.status, 200);
  const auto j = Json::parse(r.body);
  ASSERT_EQ(j["agents"].size(), 1u);
  EXPECT_EQ(j["agents"][0]["agent_id"], "a1");
  EXPECT_FALSE(j["agents"][0]["silent"]);  // last received 25 s before now < 60 s
  ASSERT_EQ(j["flows"].size(), 1u);
  EXPECT_EQ(j["flows"][0]["state"], "down");
  // A DOWN window ending at +20 s: the flow is DOWN since the change at +5 s (what
  // `pathwatchctl status` shows as SINCE), last seen at +20 s.
  StoredWindow w;
  w.flow = FlowRef{"a1", "honcho", "asp-app", "198.18.30.10", "primary", ProbeKind::kIcmp, 0};
  w.start = kT0 + 10s;
  w.end = kT0 + 20s;
  w.state = PathState::kDown;
  CommitBatch b;
  b.messages = {StoredMessage{"a1", "honcho", 2, w.end, w.end, w}};
  ASSERT_TRUE(store_.commit(b).ok);
  const auto flow = Json::parse(call("GET", "/v1/status").body)["flows"][0];
  EXPECT_EQ(flow["since"], "2026-11-01T00:00:05.000000000Z");
  EXPECT_EQ(flow["since_jst"], "2026-11-01 09:00:05 JST");
  EXPECT_EQ(flow["at"], "2026-11-01T00:00:20.000000000Z");
  clock_.advance(2min);
  EXPECT_TRUE(Json::parse(call("GET", "/v1/status").body)["agents"][0]["silent"]);
}

TEST_F(ApiTest, EventsFilterBySiteAndTime) {
  auto j =
      Json::parse(call("GET", "/v1/events?since=2026-11-01T00:00Z&until=2026-11-01T01:00Z").body);
  ASSERT_EQ(j["state_changes"].size(), 1u);
  EXPECT_EQ(j["state_changes"][0]["to"], "down");
  j = Json::parse(call("GET", "/v1/events?since=2026-11-01T00:00Z&site=other").body);
  EXPECT_TRUE(j["state_changes"].empty());
  EXPECT_EQ(call("GET", "/v1/events?since=yesterday").status, 400);
}

// One request reads at most 31 days (docs/collector.md): a whole-database read would hold a
// route thread and the API's stop(). 2026-10-01..11-01 is 31 days exactly; one minute more is
// refused.
TEST_F(ApiTest, EventsRangeIsAtMost31Days) {
  EXPECT_EQ(call("GET", "/v1/events?since=2026-10-01T00:00Z&until=2026-11-01T00:00Z").status, 200);
  const auto r = call("GET", "/v1/events?since=2026-09-30T23:59Z&until=2026-11-01T00:00Z");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("at most 31 days"), std::string::npos) << r.body;
  EXPECT_EQ(call("GET", "/v1/events?since=2000-01-01").status, 400);
}

// An unknown incident id with invalid UTF-8 is quoted in the 404: it must stay a 404 with a
// valid JSON body, not a 500 from the JSON serializer.
TEST_F(ApiTest, InvalidUtf8IncidentIdIs404) {
  incident::MemoryIncidentStore incidents;
  ctx_.incidents = &incidents;
  const auto r = call("GET", "/v1/incidents/\xff");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_TRUE(Json::accept(r.body)) << r.body;
}

TEST_F(ApiTest, MaintenanceRoundTrip) {
  auto r = call("POST", "/v1/maintenance",
                R"({"start":"2026-11-03 01:00","end":"2026-11-03 03:00","note":"patch"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = Json::parse(r.body)["id"].get<std::int64_t>();
  const auto list = Json::parse(call("GET", "/v1/maintenance").body)["maintenance"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["start"],
            "2026-11-02T16:00:00.000000000Z");  // 01:00 JST = 16:00Z the day before
  EXPECT_EQ(call("DELETE", "/v1/maintenance/" + std::to_string(id)).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/maintenance/" + std::to_string(id)).status, 404);
  EXPECT_EQ(call("POST", "/v1/maintenance", "not json").status, 400);
  EXPECT_EQ(
      call("POST", "/v1/maintenance", R"({"start":"2026-11-03 01:00","end":"2026-11-03 00:00"})")
          .status,
      400);
}

TEST_F(ApiTest, ErrorsAreJsonWithStatus) {
  EXPECT_EQ(call("GET", "/v1/nothing").status, 404);
  EXPECT_EQ(call("POST", "/v1/status").status, 405);
  EXPECT_EQ(call("GET", "/v1/availability").status, 400);
  EXPECT_EQ(call("GET", "/v1/availability?month=2026-13").status, 400);
  EXPECT_EQ(call("GET", "/v1/availability?month=2026-11&service=nope").status, 404);
  EXPECT_TRUE(Json::parse(call("GET", "/v1/nothing").body).contains("error"));
  EXPECT_EQ(parse_query("a=1&b=x%20y+z")["b"], "x y z");
}

TEST_F(ApiTest, AvailabilityWithNoServicesIsEmpty) {
  const auto r = call("GET", "/v1/availability?month=2026-11");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Json::parse(r.body)["services"].empty());
}

}  // namespace
}  // namespace pathwatch::collector
