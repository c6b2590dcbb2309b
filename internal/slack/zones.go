package slack

import (
	"context"
	"errors"
	"time"

	slackgo "github.com/slack-go/slack"
)

// How long a user's profile time zone is kept, and how long a lookup may
// take. A profile's zone changes rarely (a move; Slack sets it anew when
// someone travels, if they let it), so an hour old is fresh enough and
// costs one users.info per active user an hour. After a failure the user
// goes without a hint for a while rather than have every event wait on a
// Slack that is not answering.
const (
	zoneTTL     = time.Hour
	zoneFailTTL = 5 * time.Minute
	zoneTimeout = 2 * time.Second
	// maxZones bounds the cache; past it the cache starts over (users.info
	// refills it).
	maxZones = 100000
)

// zoneEntry is one user's cached profile time zone.
type zoneEntry struct {
	zone  string // "" when the profile has none or the lookup failed
	until time.Time
}

// profileZone returns the time zone of the user's Slack profile
// (users.info → user.tz, which needs the users:read scope), for the
// coach's Event.ZoneHint; "" when the profile has none or Slack could not
// say. A failed lookup is logged and never fails the event: the coach then
// keeps whatever zone the user has.
func (b *Bot) profileZone(ctx context.Context, userID string) string {
	now := b.opts.Now()
	b.mu.Lock()
	e, cached := b.zones[userID]
	off := now.Before(b.zonesOff)
	b.mu.Unlock()
	if cached && now.Before(e.until) {
		return e.zone
	}
	if off {
		return ""
	}
	cctx, cancel := context.WithTimeout(ctx, zoneTimeout)
	u, err := b.api.GetUserInfoContext(cctx, userID)
	cancel()
	e = zoneEntry{until: now.Add(zoneTTL)}
	if err == nil {
		e.zone = u.TZ
	} else {
		e.until = now.Add(zoneFailTTL)
		var se slackgo.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "missing_scope" {
			// The app was installed before it asked for users:read: no
			// user's lookup can succeed until it is reinstalled, so
			// stop asking for a while, and say so once.
			b.mu.Lock()
			b.zonesOff = now.Add(zoneTTL)
			b.mu.Unlock()
			b.log.Warn("slack: users.info needs scope users:read: time zones from Slack profiles are not used; add the scope (deploy/slack-app-manifest.yaml) and reinstall the app",
				"retry_in", zoneTTL)
		} else {
			b.log.Warn("slack: could not read the user's time zone; going on without it", "user", userID, "err", classify(err).code)
		}
	}
	b.mu.Lock()
	if len(b.zones) >= maxZones {
		clear(b.zones)
	}
	b.zones[userID] = e
	b.mu.Unlock()
	return e.zone
}
