// The delivery queue with a fake channel and hand-moved time: retry schedule, giving up,
// overflow policy, per-channel status and counters; and the worker thread never blocking
// submit() while a delivery is in progress.
#include "collector/notify/delivery_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <future>
#include <thread>

#include "collector/notify/delivery_worker.hpp"
#include "collector/notify/retry_backoff.hpp"
#include "tests/unit/collector/notify/notification_fixture.hpp"

namespace pathwatch::collector::notify {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A channel that answers from a script (then `otherwise`) and records what it was given.
class FakeChannel final : public Notifier {
 public:
  explicit FakeChannel(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  DeliveryResult deliver(const Notification& n) override {
    delivered.push_back(n.incident_id + "/" + to_string(n.kind));
    if (script.empty()) return otherwise;
    auto r = script.front();
    script.pop_front();
    return r;
  }
  std::deque<DeliveryResult> script;
  DeliveryResult otherwise{DeliveryOutcome::kSent, ""};
  std::vector<std::string> delivered;

 private:
  std::string name_;
};

const DeliveryResult kRefused{DeliveryOutcome::kRetry, "Couldn't connect to server"};
const DeliveryResult kDenied{DeliveryOutcome::kPermanent, "Login denied"};

Notification note(const std::string& id, NotificationKind kind) {
  Notification n = testing::opened_incident();
  n.incident_id = id;
  n.kind = kind;
  return n;
}

shared::MonoNanos at(shared::Nanos d) {
  return shared::MonoNanos{} + d;
}

TEST(RetryDelay, DoublesUpToTheCapWithEqualJitter) {
  RetryPolicy p{6, seconds(30), std::chrono::minutes(30)};
  EXPECT_EQ(retry_delay(p, 1, 1.0), seconds(30));
  EXPECT_EQ(retry_delay(p, 2, 1.0), seconds(60));
  EXPECT_EQ(retry_delay(p, 6, 1.0), seconds(960));     // 30 s * 2^5
  EXPECT_EQ(retry_delay(p, 7, 1.0), seconds(1800));    // 30 s * 2^6 = 1920 s, capped at 1800 s
  EXPECT_EQ(retry_delay(p, 100, 1.0), seconds(1800));  // no overflow on absurd counts
  // u = 0 keeps half of the backoff, u = 0.5 three quarters.
  EXPECT_EQ(retry_delay(p, 1, 0.0), seconds(15));
  EXPECT_EQ(retry_delay(p, 1, 0.5), milliseconds(22500));
}

TEST(DeliveryQueue, RetriesOnTheBackoffScheduleThenSends) {
  FakeChannel mail("email:relay");
  mail.script = {kRefused, kRefused, kRefused};
  RetryPolicy p{6, seconds(1), seconds(3)};
  DeliveryQueue q({&mail}, p, 10, [] { return 1.0; });
  const auto id = q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  // Tries at 0 s, then after 1 s, 2 s and 3 s (4 s capped at 3 s): 0, 1, 3, 6.
  EXPECT_EQ(q.run_due(at(seconds(0))), 1u);
  EXPECT_EQ(q.next_due(), at(seconds(1)));
  EXPECT_EQ(q.run_due(at(milliseconds(999))), 0u);  // not yet due
  EXPECT_EQ(q.run_due(at(seconds(1))), 1u);
  EXPECT_EQ(q.next_due(), at(seconds(3)));
  EXPECT_EQ(q.run_due(at(seconds(3))), 1u);
  EXPECT_EQ(q.next_due(), at(seconds(6)));
  auto s = q.status(id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, DeliveryState::kPending);
  EXPECT_EQ(s[0].attempts, 3);
  EXPECT_EQ(s[0].last_error, "Couldn't connect to server");
  EXPECT_EQ(q.run_due(at(seconds(6))), 1u);
  s = q.status(id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, DeliveryState::kSent);
  EXPECT_EQ(s[0].attempts, 4);
  EXPECT_TRUE(q.idle());
  EXPECT_FALSE(q.next_due().has_value());
  const auto c = q.counters();
  EXPECT_EQ(c.enqueued, 1u);
  EXPECT_EQ(c.attempts, 4u);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.pending, 0u);
}

TEST(DeliveryQueue, GivesUpAfterTheConfiguredAttempts) {
  FakeChannel hook("webhook:h");
  hook.otherwise = kRefused;
  DeliveryQueue q({&hook}, RetryPolicy{3, seconds(1), seconds(10)}, 10, [] { return 0.0; });
  const auto id = q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  // u = 0: half backoffs, 0.5 s then 1 s: tries at 0, 0.5 and 1.5 s; then failed.
  q.run_due(at(seconds(0)));
  EXPECT_EQ(q.next_due(), at(milliseconds(500)));
  q.run_due(at(milliseconds(500)));
  EXPECT_EQ(q.next_due(), at(milliseconds(1500)));
  q.run_due(at(milliseconds(1500)));
  const auto s = q.status(id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, DeliveryState::kFailed);
  EXPECT_EQ(s[0].attempts, 3);
  EXPECT_EQ(hook.delivered.size(), 3u);
  const auto c = q.counters();
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retries, 2u);
  EXPECT_TRUE(q.idle());
}

TEST(DeliveryQueue, PermanentErrorGivesUpAtOnce) {
  FakeChannel mail("email:relay");
  mail.script = {kDenied};
  DeliveryQueue q({&mail}, RetryPolicy{}, 10, [] { return 1.0; });
  const auto id = q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  q.run_due(at(seconds(0)));
  const auto s = q.status(id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, DeliveryState::kFailed);
  EXPECT_EQ(s[0].attempts, 1);
  EXPECT_EQ(s[0].last_error, "Login denied");
}

TEST(DeliveryQueue, EachChannelHasItsOwnJobAndStatus) {
  FakeChannel mail("email:relay");
  FakeChannel hook("webhook:h");
  hook.script = {kRefused};
  DeliveryQueue q({&mail, &hook}, RetryPolicy{6, seconds(1), seconds(8)}, 10, [] { return 1.0; });
  const auto id = q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  q.run_due(at(seconds(0)));
  auto s = q.status(id);
  ASSERT_EQ(s.size(), 2u);
  // Active jobs first, then finished ones: the webhook retries, the mail went out.
  EXPECT_EQ(s[0].channel, "webhook:h");
  EXPECT_EQ(s[0].state, DeliveryState::kPending);
  EXPECT_EQ(s[1].channel, "email:relay");
  EXPECT_EQ(s[1].state, DeliveryState::kSent);
  q.run_due(at(seconds(1)));
  EXPECT_EQ(mail.delivered.size(), 1u);  // the mail is not sent twice
  EXPECT_EQ(hook.delivered.size(), 2u);
  EXPECT_EQ(q.counters().enqueued, 2u);
  EXPECT_EQ(q.counters().sent, 2u);
}

// A thread's messages arrive in order on each channel: while the opened message waits for a
// retry, its recovery waits behind it; other threads go on. Once the opened is out, or given
// up, the recovery goes.
TEST(DeliveryQueue, AThreadsMessagesArriveInOrder) {
  FakeChannel mail("email:relay");
  mail.script = {kRefused};
  DeliveryQueue q({&mail}, RetryPolicy{3, seconds(1), seconds(8)}, 10, [] { return 1.0; });
  q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  q.enqueue(note("INC-1", NotificationKind::kRecovered), at(seconds(0)));
  q.enqueue(note("INC-2", NotificationKind::kOpened), at(seconds(0)));
  EXPECT_EQ(q.run_due(at(seconds(0))), 2u);
  EXPECT_EQ(mail.delivered, (std::vector<std::string>{"INC-1/opened", "INC-2/opened"}));
  // INC-2 went through after INC-1 failed: the relay is up, so INC-1 is tried again at once;
  // its recovery still waits behind it.
  EXPECT_EQ(q.next_due(), at(seconds(0)));
  EXPECT_EQ(q.run_due(at(seconds(1))), 1u);
  EXPECT_EQ(q.run_due(at(seconds(1))), 1u);
  EXPECT_EQ(mail.delivered, (std::vector<std::string>{"INC-1/opened", "INC-2/opened",
                                                      "INC-1/opened", "INC-1/recovered"}));
  EXPECT_TRUE(q.idle());

  // Given up (a permanent error), the opened no longer holds the recovery back.
  mail.script = {kDenied};
  q.enqueue(note("INC-3", NotificationKind::kOpened), at(seconds(2)));
  q.enqueue(note("INC-3", NotificationKind::kRecovered), at(seconds(2)));
  q.run_due(at(seconds(2)));
  q.run_due(at(seconds(2)));
  EXPECT_EQ(mail.delivered.back(), "INC-3/recovered");
  EXPECT_TRUE(q.idle());
}

TEST(DeliveryQueue, OverflowDropsUpdatesBeforeOpenedAndRecovered) {
  FakeChannel mail("email:relay");
  DeliveryQueue q({&mail}, RetryPolicy{}, 3, [] { return 1.0; });
  const auto t0 = at(seconds(0));
  const auto a_open = q.enqueue(note("A", NotificationKind::kOpened), t0);
  const auto a_up1 = q.enqueue(note("A", NotificationKind::kUpdated), t0);
  const auto a_up2 = q.enqueue(note("A", NotificationKind::kUpdated), t0);
  // Full (3). A recovery pushes out the oldest update.
  const auto a_rec = q.enqueue(note("A", NotificationKind::kRecovered), t0);
  EXPECT_EQ(q.status(a_up1).at(0).state, DeliveryState::kDropped);
  // A new update pushes out the older one.
  const auto a_up3 = q.enqueue(note("A", NotificationKind::kUpdated), t0);
  EXPECT_EQ(q.status(a_up2).at(0).state, DeliveryState::kDropped);
  // A new incident's opening pushes out the last update.
  const auto b_open = q.enqueue(note("B", NotificationKind::kOpened), t0);
  EXPECT_EQ(q.status(a_up3).at(0).state, DeliveryState::kDropped);
  // Only opened/recovered left: an incoming update is the one dropped.
  const auto b_up = q.enqueue(note("B", NotificationKind::kUpdated), t0);
  EXPECT_EQ(q.status(b_up).at(0).state, DeliveryState::kDropped);
  // An incoming recovery with no update to drop pushes out the oldest message.
  const auto b_rec = q.enqueue(note("B", NotificationKind::kRecovered), t0);
  EXPECT_EQ(q.status(a_open).at(0).state, DeliveryState::kDropped);
  auto c = q.counters();
  EXPECT_EQ(c.dropped_updates, 4u);  // a_up1, a_up2, a_up3, b_up
  EXPECT_EQ(c.dropped_other, 1u);    // a_open
  EXPECT_EQ(c.pending, 3u);          // a_rec, b_open, b_rec
  q.run_due(t0);
  q.run_due(t0);  // B's recovery goes after its opening, in a second round
  EXPECT_EQ(mail.delivered, (std::vector<std::string>{"A/recovered", "B/opened", "B/recovered"}));
  for (const auto id : {a_rec, b_open, b_rec}) {
    EXPECT_EQ(q.status(id).at(0).state, DeliveryState::kSent);
  }
  c = q.counters();
  // Every job ends once: 8 enqueued = 3 sent + 5 dropped.
  EXPECT_EQ(c.enqueued, 8u);
  EXPECT_EQ(c.sent + c.dropped_updates + c.dropped_other, 8u);
}

TEST(DeliveryQueue, InFlightJobsAreNeverDropped) {
  FakeChannel mail("email:relay");
  DeliveryQueue q({&mail}, RetryPolicy{}, 1, [] { return 1.0; });
  const auto first = q.enqueue(note("A", NotificationKind::kUpdated), at(seconds(0)));
  const auto attempts = q.take_due(at(seconds(0)));
  ASSERT_EQ(attempts.size(), 1u);
  // Full with an update in flight: the incoming opening cannot push it out.
  const auto second = q.enqueue(note("B", NotificationKind::kOpened), at(seconds(0)));
  EXPECT_EQ(q.status(second).at(0).state, DeliveryState::kDropped);
  q.report(attempts[0].job, DeliveryResult{}, at(seconds(0)));
  EXPECT_EQ(q.status(first).at(0).state, DeliveryState::kSent);
  EXPECT_EQ(q.counters().dropped_other, 1u);
}

// Kept jobs (with an outbox row) report how they ended, once each; unkept ones do not.
TEST(DeliveryQueue, KeptJobsReportTheirEndOnce) {
  FakeChannel mail("email:relay");
  FakeChannel hook("webhook:hooks.example");
  hook.otherwise = kDenied;
  DeliveryQueue q({&mail, &hook}, RetryPolicy{}, 10, [] { return 1.0; });
  q.enqueue(note("A", NotificationKind::kOpened), at(seconds(0)), {11, 12});
  q.enqueue(note("B", NotificationKind::kOpened), at(seconds(0)));  // not kept
  q.run_due(at(seconds(0)));
  auto ends = q.take_finished();
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0].outbox, 11u);
  EXPECT_EQ(ends[0].state, DeliveryState::kSent);
  EXPECT_EQ(ends[1].outbox, 12u);
  EXPECT_EQ(ends[1].state, DeliveryState::kFailed);
  EXPECT_EQ(ends[1].attempts, 1);
  EXPECT_EQ(ends[1].error, "Login denied");
  EXPECT_TRUE(q.take_finished().empty());
}

// A job resumed after a restart goes on its own channel only, behind what is queued, and a
// resumed job dropped by a full queue reports that too.
TEST(DeliveryQueue, AResumedJobGoesOnItsChannelInOrder) {
  FakeChannel mail("email:relay");
  FakeChannel hook("webhook:hooks.example");
  DeliveryQueue q({&mail, &hook}, RetryPolicy{}, 2, [] { return 1.0; });
  q.resume(1, note("A", NotificationKind::kOpened), 7, at(seconds(0)));
  q.resume(1, note("A", NotificationKind::kRecovered), 8, at(seconds(0)));
  q.resume(0, note("C", NotificationKind::kUpdated), 9, at(seconds(0)));  // full: dropped
  q.run_due(at(seconds(0)));
  q.run_due(at(seconds(0)));
  EXPECT_TRUE(mail.delivered.empty());
  EXPECT_EQ(hook.delivered, (std::vector<std::string>{"A/opened", "A/recovered"}));
  const auto ends = q.take_finished();
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_EQ(ends[0].outbox, 9u);
  EXPECT_EQ(ends[0].state, DeliveryState::kDropped);
  EXPECT_EQ(ends[1].outbox, 7u);
  EXPECT_EQ(ends[2].outbox, 8u);
}

// Issue 15 item 5: a relay away for two hours, ten messages on three threads queued
// meanwhile. With the defaults the channel is probed by one job at a time every 1.5–3 s
// (never all ten at once), nothing is given up, and once the relay is back every message goes
// within 5 s, in thread order.
TEST(DeliveryQueue, BackWithinFiveSecondsOfTheRelayWhateverTheOutage) {
  FakeChannel mail("email:relay");
  const auto repaired = at(std::chrono::hours{2});
  shared::MonoNanos now = at(seconds(0));
  int tries_while_down = 0;
  class Scripted final : public Notifier {
   public:
    Scripted(const shared::MonoNanos& now, shared::MonoNanos repaired, int& tries)
        : now_(now), repaired_(repaired), tries_(tries) {}
    const std::string& name() const override { return name_; }
    DeliveryResult deliver(const Notification& n) override {
      if (now_ < repaired_) {
        ++tries_;
        return kRefused;
      }
      delivered.push_back(n.incident_id + "/" + to_string(n.kind));
      return {};
    }
    std::vector<std::string> delivered;

   private:
    std::string name_ = "email:relay";
    const shared::MonoNanos& now_;
    shared::MonoNanos repaired_;
    int& tries_;
  } relay(now, repaired, tries_while_down);
  DeliveryQueue q({&relay}, RetryPolicy{}, 100, [] { return 0.5; });
  // Hand-moved time: jump to the next due time or the next message (one every 10 minutes),
  // as the worker's thread sleeps.
  int queued = 0;
  shared::MonoNanos all_sent{};
  for (int step = 0; step < 100000 && (queued < 10 || !q.idle()); ++step) {
    const auto arrival = at(std::chrono::minutes{10 * queued});
    const auto next = q.next_due();
    if (queued < 10 && (!next || arrival <= *next)) {
      now = std::max(now, arrival);
      const auto kind =
          queued < 3 ? NotificationKind::kOpened
                     : (queued < 7 ? NotificationKind::kUpdated : NotificationKind::kRecovered);
      q.enqueue(note("INC-" + std::to_string(queued % 3), kind), now);
      ++queued;
    } else {
      ASSERT_TRUE(next.has_value());
      now = std::max(now, *next);
    }
    q.run_due(now);
    if (queued == 10 && q.idle()) all_sent = now;
  }
  ASSERT_TRUE(q.idle());
  EXPECT_EQ(relay.delivered.size(), 10u);
  EXPECT_LE(all_sent - repaired, seconds(5));
  EXPECT_EQ(q.counters().failed, 0u);
  // One probe at a time, 2.25 s apart (u = 0.5 of the 3 s cap): about 3,200 in two hours.
  EXPECT_LE(tries_while_down, 2 * 3600 / 2 + 10);
  EXPECT_GE(tries_while_down, 2 * 3600 / 3);
  // Each thread in order.
  std::vector<std::string> inc0;
  for (const auto& d : relay.delivered) {
    if (d.starts_with("INC-0/")) inc0.push_back(d);
  }
  EXPECT_EQ(inc0, (std::vector<std::string>{"INC-0/opened", "INC-0/updated", "INC-0/updated",
                                            "INC-0/recovered"}));
}

// A job still failing after give_up_after is given up; attempts: 0 sets no count limit.
TEST(DeliveryQueue, GivesUpAfterItsTimeNotACount) {
  FakeChannel mail("email:relay");
  mail.otherwise = kRefused;
  RetryPolicy p;
  p.give_up_after = std::chrono::minutes(1);
  DeliveryQueue q({&mail}, p, 10, [] { return 1.0; });
  const auto id = q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  shared::MonoNanos now = at(seconds(0));
  for (int i = 0; i < 1000 && !q.idle(); ++i) {
    q.run_due(now);
    if (const auto next = q.next_due()) now = *next;
  }
  const auto s = q.status(id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].state, DeliveryState::kFailed);
  EXPECT_GE(now, at(seconds(60)));
  EXPECT_LE(now, at(seconds(63)));
  EXPECT_GT(s[0].attempts, 15);  // every ≤ 3 s for a minute, not 6 tries
}

// A server that answered with a retryable error (HTTP 500) refuses that message, not the
// channel: the channel's other threads go on at once, and that job alone backs off (up to
// minutes, not every 3 s).
TEST(DeliveryQueue, AnAnsweredErrorHoldsOnlyItsOwnJob) {
  FakeChannel hook("webhook:h");
  hook.script = {DeliveryResult{DeliveryOutcome::kRetry, "HTTP status 500", true}};
  DeliveryQueue q({&hook}, RetryPolicy{}, 10, [] { return 1.0; });
  q.enqueue(note("INC-1", NotificationKind::kOpened), at(seconds(0)));
  q.run_due(at(seconds(0)));
  q.enqueue(note("INC-2", NotificationKind::kOpened), at(seconds(0)));
  EXPECT_EQ(q.run_due(at(seconds(0))), 1u);  // not held back by INC-1's failure
  EXPECT_EQ(hook.delivered.back(), "INC-2/opened");
  EXPECT_EQ(q.next_due(), at(seconds(1)));  // INC-1's own first retry
}

// give_up_after counts from when a kept job was decided, not from the restart that resumed it.
TEST(DeliveryQueue, AResumedJobKeepsItsAge) {
  FakeChannel mail("email:relay");
  mail.otherwise = kRefused;
  RetryPolicy p;
  p.give_up_after = std::chrono::minutes(1);
  DeliveryQueue q({&mail}, p, 10, [] { return 1.0; });
  const auto id =
      q.resume(0, note("INC-1", NotificationKind::kOpened), 5, at(seconds(0)), seconds(61));
  q.run_due(at(seconds(0)));
  EXPECT_EQ(q.status(id).at(0).state, DeliveryState::kFailed);
}

TEST(DeliveryQueue, UnknownIdHasNoStatus) {
  FakeChannel mail("email:relay");
  DeliveryQueue q({&mail}, RetryPolicy{}, 1, [] { return 1.0; });
  EXPECT_TRUE(q.status(42).empty());
}

// A channel whose delivery blocks until the test releases it.
class BlockingChannel final : public Notifier {
 public:
  const std::string& name() const override { return name_; }
  DeliveryResult deliver(const Notification&) override {
    if (calls_++ == 0) {
      entered.set_value();
      release.get_future().wait();
    }
    return {};
  }
  std::promise<void> entered;
  std::promise<void> release;

 private:
  std::string name_ = "blocking";
  int calls_ = 0;
};

// A channel that turns out unreachable is not tried again within the batch: five threads
// waiting on a dead relay cost one timeout, not five.
TEST(DeliveryWorker, AnUnreachableChannelCostsOneTryPerBatch) {
  class Counting final : public Notifier {
   public:
    const std::string& name() const override { return name_; }
    DeliveryResult deliver(const Notification&) override {
      ++calls;
      return kRefused;
    }
    std::atomic<int> calls{0};

   private:
    std::string name_ = "email:relay";
  };
  std::vector<NotifierPtr> channels;
  channels.push_back(std::make_unique<Counting>());
  auto* relay = static_cast<Counting*>(channels[0].get());
  shared::SystemClock clock;
  DeliveryWorker worker(std::move(channels), RetryPolicy{}, 10, clock);
  for (int i = 0; i < 5; ++i) {
    worker.submit(note("INC-" + std::to_string(i), NotificationKind::kOpened));
  }
  worker.start();
  std::this_thread::sleep_for(milliseconds(300));  // well before the first probe (>= 0.5 s)
  EXPECT_EQ(relay->calls.load(), 1);
  worker.stop();
}

TEST(DeliveryWorker, SubmitNeverWaitsForADeliveryInProgress) {
  auto channel = std::make_unique<BlockingChannel>();
  auto* blocking = channel.get();
  auto entered = blocking->entered.get_future();
  std::vector<NotifierPtr> channels;
  channels.push_back(std::move(channel));
  shared::SystemClock clock;
  DeliveryWorker worker(std::move(channels), RetryPolicy{}, 10, clock);
  worker.start();
  const auto first = worker.submit(note("A", NotificationKind::kOpened));
  entered.wait();  // the worker thread is now inside deliver()
  // If submit() waited for the delivery, this would never return (the test would time out).
  const auto second = worker.submit(note("A", NotificationKind::kRecovered));
  EXPECT_EQ(worker.status(first).at(0).state, DeliveryState::kPending);
  blocking->release.set_value();
  ASSERT_TRUE(worker.wait_idle(std::chrono::seconds(30)));
  EXPECT_EQ(worker.status(first).at(0).state, DeliveryState::kSent);
  EXPECT_EQ(worker.status(second).at(0).state, DeliveryState::kSent);
  EXPECT_EQ(worker.counters().sent, 2u);
  worker.stop();
}

}  // namespace
}  // namespace pathwatch::collector::notify
