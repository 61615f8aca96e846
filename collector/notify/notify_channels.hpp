// Builds the configured channels (e-mail, webhooks) from the `notify:` section; the one call
// the collector's start-up needs besides DeliveryWorker.
#pragma once

#include <vector>

#include "collector/notify/notifier.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::collector::notify {

// E-mail first (when configured), then the webhooks in file order. `clock` must outlive them.
std::vector<NotifierPtr> make_notifiers(const NotifyConfig& config, const shared::Clock& clock);

}  // namespace pathwatch::collector::notify
