package telegram_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// BenchmarkFanOut pushes a scheduled message to many users through the
// fake Bot API, which enforces a global and a per-chat rate the way
// Telegram does (429 with retry_after). Telegram's 30/s and 1/s are scaled
// up together by 10 to keep the run short. It reports the completion time
// against the floor users×messages ÷ global rate (1.0 is perfect), the
// 429s the server gave, and messages duplicated or lost.
//
//	go test -run '^$' -bench FanOut -benchtime 1x ./internal/telegram/
func BenchmarkFanOut(b *testing.B) {
	const global, perChat = 300.0, 10.0
	for _, tc := range []struct{ users, perUser int }{{2000, 1}, {300, 4}} {
		b.Run(fmt.Sprintf("users=%d/messages=%d", tc.users, tc.perUser), func(b *testing.B) {
			for b.Loop() {
				fanOut(b, tc.users, tc.perUser, global, perChat)
			}
		})
	}
}

func fanOut(b *testing.B, users, perUser int, global, perChat float64) {
	srv := telegramtest.NewServer(b)
	srv.WaitTimeout = time.Minute
	srv.RateLimit(global, perChat)
	h := start(b, srv, newCoach(nil), newMemStore(), func(o *telegram.Options) {
		o.GlobalRate, o.PerChatRate, o.PerChatBurst = global, perChat, 3
		o.Logger = nil
	})
	ctx := context.Background()
	began := time.Now()
	for u := range users {
		var replies []prep.Reply
		for m := range perUser {
			replies = append(replies, prep.Reply{Kind: prep.Send, Text: prep.Text(fmt.Sprintf("Daily review %d/%d", m+1, perUser))})
		}
		if err := h.bot.Deliver(ctx, userKeyOf(int64(1_000_000+u)), replies); err != nil {
			b.Fatal(err)
		}
	}
	if err := h.bot.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(began)

	var dups, lost, disorder int
	for u := range users {
		msgs := srv.Chat(int64(1_000_000 + u))
		switch {
		case len(msgs) < perUser:
			lost += perUser - len(msgs)
		case len(msgs) > perUser:
			dups += len(msgs) - perUser
		}
		for i, m := range msgs {
			if i < perUser && m.Plain() != fmt.Sprintf("Daily review %d/%d", i+1, perUser) {
				disorder++
			}
		}
	}
	floor := time.Duration(float64(users*perUser) / global * float64(time.Second))
	b.ReportMetric(elapsed.Seconds(), "s")
	b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "x_floor")
	b.ReportMetric(float64(srv.TooManyRequests()), "429s")
	b.ReportMetric(float64(dups), "duplicates")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(disorder), "out_of_order")
	b.ReportMetric(0, "ns/op")
}
