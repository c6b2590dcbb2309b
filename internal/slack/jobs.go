package slack

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/prepbot/prepbot/internal/prep"
)

// target is where replies to an action go.
type target struct {
	channel     string       // "" means the user's DM, opened when sending
	user        prep.UserKey // whose DM channel is, if it is one
	userID      string
	ts          string // the message whose button was pressed, for Edit
	responseURL string
	// live is set when answering a user's action; scheduled replies
	// (Deliver) show notices as messages, since an ephemeral message
	// nobody is waiting for is easily missed and gone on reload.
	live bool
}

// key is the outgoing queue of the target: its channel, or the user's DM
// until its channel is known.
func (t target) key() string {
	// A user's DM is one queue whether its channel is known yet or not (a
	// reminder sent after a restart, before any event named the channel,
	// and the reply to the user's next message must keep their order).
	if t.userID != "" && (t.channel == "" || strings.HasPrefix(t.channel, "D")) {
		return "dm:" + t.userID
	}
	return t.channel
}

// photoName is the file name of uploaded charts.
const photoName = "chart.png"

// jobsFor renders replies as calls to one target, in order.
func (b *Bot) jobsFor(t target, replies []prep.Reply) []*job {
	var jobs []*job
	for _, r := range replies {
		text := b.rewriteCommands(r.Text)
		switch {
		case r.Kind == prep.Edit && t.ts != "":
			msg, dropped := EditMessage(text, r.Buttons)
			b.logDropped(t, dropped)
			jobs = append(jobs, b.updateJob(t, msg))
		case r.Kind == prep.Notice && t.live && t.channel != "" && t.userID != "":
			msgs, _ := Messages(text, nil)
			for _, m := range msgs {
				jobs = append(jobs, b.ephemeralJob(t, m))
			}
		case r.Kind == prep.Photo && len(r.Image) > 0:
			jobs = append(jobs, b.photoJobs(t, text, r)...)
		default:
			msgs, dropped := Messages(text, r.Buttons)
			b.logDropped(t, dropped)
			if len(msgs) == 0 {
				b.log.Warn("slack: empty reply not sent", "channel", t.key())
			}
			for _, m := range msgs {
				jobs = append(jobs, b.postJob(t, m))
			}
		}
	}
	return jobs
}

func (b *Bot) logDropped(t target, n int) {
	if n > 0 {
		b.log.Error("slack: buttons left out: data must be 1-64 bytes of UTF-8, at most 100 buttons in 20 rows",
			"channel", t.key(), "dropped", n)
	}
}

func (b *Bot) newJob(t target, method string, do func(ctx context.Context, channel string) error) *job {
	j := &job{key: t.key(), channel: t.channel, userID: t.userID, method: method, do: do}
	if t.channel == "" || strings.HasPrefix(t.channel, "D") {
		j.user = t.user
	}
	return j
}

func msgOptions(m Message) []slackgo.MsgOption {
	return []slackgo.MsgOption{
		slackgo.MsgOptionText(m.Text, false), // already escaped
		slackgo.MsgOptionBlocks(m.Blocks...),
		slackgo.MsgOptionDisableLinkUnfurl(),
		slackgo.MsgOptionDisableMediaUnfurl(),
	}
}

func (b *Bot) post(ctx context.Context, channel string, m Message) error {
	_, _, err := b.api.PostMessageContext(ctx, channel, msgOptions(m)...)
	return err
}

func (b *Bot) postJob(t target, m Message) *job {
	return b.newJob(t, "chat.postMessage", func(ctx context.Context, channel string) error {
		return b.post(ctx, channel, m)
	})
}

// updateJob replaces the message whose button was pressed; if Slack will
// not (the message is gone or too old), the text comes as a new message.
func (b *Bot) updateJob(t target, m Message) *job {
	ts := t.ts
	j := b.newJob(t, "chat.update", func(ctx context.Context, channel string) error {
		_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, msgOptions(m)...)
		return err
	})
	j.fallbackMethod = "chat.postMessage"
	j.fallback = func(ctx context.Context, channel string) error { return b.post(ctx, channel, m) }
	return j
}

func (b *Bot) ephemeralJob(t target, m Message) *job {
	userID := t.userID
	return b.newJob(t, "chat.postEphemeral", func(ctx context.Context, channel string) error {
		opts := msgOptions(m)[:2] // unfurl options do not apply
		_, err := b.api.PostEphemeralContext(ctx, channel, userID, opts...)
		return err
	})
}

// respondJob answers a slash command or button press through its
// response_url with a message only the user sees. Slack accepts five
// answers per response_url within 30 minutes; the bot sends at most two.
func (b *Bot) respondJob(in incoming, text string) *job {
	msgs, _ := Messages(prep.Text(text), nil)
	m := msgs[0]
	responseURL := in.responseURL
	// Answers to a user's own actions queue per user: they are not posts
	// in the channel and need not wait for its pace.
	key := "respond:" + in.userID
	return &job{key: key, channel: key, method: "response_url", do: func(ctx context.Context, _ string) error {
		return slackgo.PostWebhookCustomHTTPContext(ctx, responseURL, b.opts.HTTPClient, &slackgo.WebhookMessage{
			Text:         m.Text,
			Blocks:       &slackgo.Blocks{BlockSet: m.Blocks},
			ResponseType: slackgo.ResponseTypeEphemeral,
		})
	}}
}

// photoJobs uploads a chart into the channel with the caption as its
// comment. Buttons cannot hang under a file, so with buttons (or a caption
// too long for a comment) the caption follows as a message of its own.
func (b *Bot) photoJobs(t target, caption prep.RichText, r prep.Reply) []*job {
	comment := RenderMrkdwn(caption)
	separate := len(r.Buttons) > 0 || units(comment) > MaxSectionLen
	if separate {
		comment = ""
	}
	img := bytes.Clone(r.Image)
	alt := trimUnits(strings.TrimSpace(PlainText(caption)), 1000)
	if alt == "" {
		alt = "chart"
	}
	// The upload is three calls; each is made once, and a retry repeats
	// only the one that failed, so a 429 never uploads the file twice.
	var fileID, uploadURL string
	var uploaded bool
	jobs := []*job{b.newJob(t, "files.upload", func(ctx context.Context, channel string) error {
		if fileID == "" {
			u, err := b.api.GetUploadURLExternalContext(ctx, slackgo.GetUploadURLExternalParameters{
				FileName: photoName, FileSize: len(img), AltTxt: alt,
			})
			if err != nil {
				return fmt.Errorf("files.getUploadURLExternal: %w", err)
			}
			fileID, uploadURL = u.FileID, u.UploadURL
		}
		if !uploaded {
			err := b.api.UploadToURL(ctx, slackgo.UploadToURLParameters{
				UploadURL: uploadURL, Reader: bytes.NewReader(img), Filename: photoName,
			})
			if err != nil {
				return fmt.Errorf("upload: %w", err)
			}
			uploaded = true
		}
		_, err := b.api.CompleteUploadExternalContext(ctx, slackgo.CompleteUploadExternalParameters{
			Files:          []slackgo.FileSummary{{ID: fileID, Title: alt}},
			Channel:        channel,
			InitialComment: comment,
		})
		if err != nil {
			return fmt.Errorf("files.completeUploadExternal: %w", err)
		}
		return nil
	})}
	if separate {
		msgs, dropped := Messages(caption, r.Buttons)
		b.logDropped(t, dropped)
		for _, m := range msgs {
			jobs = append(jobs, b.postJob(t, m))
		}
	}
	return jobs
}

// execute makes one attempt of a job for the outbox.
func (b *Bot) execute(ctx context.Context, j *job) result {
	if j.channel == "" {
		ch, err := b.openDM(ctx, j.userID)
		if err != nil {
			return b.verdictOf(ctx, j, err, "conversations.open")
		}
		j.channel = ch
	}
	err := j.do(ctx, j.channel)
	if err == nil {
		return result{outcome: sent}
	}
	return b.verdictOf(ctx, j, err, j.method)
}

// verdictOf decides what a failed attempt means for its job.
func (b *Bot) verdictOf(ctx context.Context, j *job, err error, method string) result {
	if ctx.Err() != nil {
		return result{outcome: interrupted}
	}
	c := classify(err)
	switch c.verdict {
	case vRetryAfter:
		b.log.Info("slack: rate-limited by Slack; waiting", "channel", j.key, "method", method, "retry_after", c.retryAfter)
		return result{outcome: wait429, retryAfter: c.retryAfter, method: method}
	case vBlocked:
		if j.user != "" {
			return result{outcome: blocked}
		}
		b.log.Warn("slack: Slack refused a message", "channel", j.key, "method", method, "answer", c.code)
		return result{outcome: dropped}
	case vGone:
		if j.fallback != nil {
			b.log.Info("slack: update refused; sending a new message instead", "channel", j.key, "answer", c.code)
			j.do, j.fallback, j.method = j.fallback, nil, j.fallbackMethod
			return result{outcome: again}
		}
		b.log.Error("slack: Slack refused a message", "channel", j.key, "method", method, "answer", c.code)
		return result{outcome: dropped}
	case vBadRequest:
		b.log.Error("slack: Slack refused a message", "channel", j.key, "method", method, "answer", c.code)
		return result{outcome: dropped}
	case vUnauthorized:
		b.log.Error("slack: message not sent: Slack rejected PREPBOT_SLACK_BOT_TOKEN", "channel", j.key, "method", method, "answer", c.code)
		return result{outcome: dropped}
	}
	b.log.Warn("slack: send failed; will retry", "channel", j.key, "method", method,
		"attempt", j.attempts, "err", c.code)
	return result{outcome: failed}
}
