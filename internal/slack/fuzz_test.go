package slack_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack"
)

// FuzzInteraction feeds arbitrary payloads to the decoding of button
// presses and renders what it decoded as the coach might echo it: nothing
// may panic, and every message rendered must be one Slack accepts.
func FuzzInteraction(f *testing.F) {
	f.Add(`{"type":"block_actions","user":{"id":"U1","team_id":"T1"},"trigger_id":"1.2.3","container":{"type":"message","channel_id":"DU1","message_ts":"1.1"},"actions":[{"type":"button","action_id":"prep_0_0","value":"r1a.3"}]}`)
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"trigger_id":"t","container":{"is_ephemeral":true},"actions":[{"type":"button","value":"<b>&amp;*_` + "`" + `"}]}`)
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"actions":[null]}`)
	f.Add(`{"type":"block_actions","state":{"values":{"a":{"b":{"type":"button"}}}},"actions":[{"type":"static_select"}]}`)
	f.Add(`{"type":"view_submission","view":{"id":"V1"}}`)
	f.Add(`{"type":"block_actions","message":{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, payload string) {
		user, channel, ts, value, ok := slack.DecodeInteraction([]byte(payload))
		if !ok {
			return
		}
		if user == "" {
			t.Fatalf("decoded a press without a user from %q", payload)
		}
		text := prep.Text(value + " ").Bold(value).Plain(" ").Italic(channel).Code(ts).
			Append(prep.RichText{{Style: prep.CodeBlock, Text: value}, {Style: prep.Link, Text: value, URL: value}})
		checkRendered(t, text, [][]prep.Button{{{Label: value, Data: value}}})
	})
}

// FuzzMrkdwn renders arbitrary rich text, split into sections and
// messages: nothing may panic and the limits must hold.
func FuzzMrkdwn(f *testing.F) {
	f.Add("plain <&>", "bold", "code`", "SELECT 1\n```", "https://x.test/?a=1&b=2", 40)
	f.Add(strings.Repeat("ab ", 50), "\n\n", "", "", "javascript:x", 7)
	f.Add("> quote", "*already*", "_", "\xff\xfe", "mailto:", 1)
	f.Fuzz(func(t *testing.T, plain, bold, code, block, url string, limit int) {
		text := prep.Text(plain).Bold(bold).Italic(bold).Code(code).
			Append(prep.RichText{{Style: prep.CodeBlock, Text: block}, {Style: prep.Link, Text: plain, URL: url}})
		limit = 20 + abs(limit)%3000
		for _, s := range slack.Sections(text, limit) {
			if n := len(utf16.Encode([]rune(s))); n > limit {
				t.Fatalf("section of %d units over the limit %d: %q", n, limit, s)
			}
			if strings.Count(s, "```")%2 != 0 {
				t.Fatalf("unbalanced fences in %q", s)
			}
		}
		checkRendered(t, text, [][]prep.Button{{{Label: bold, Data: code}}})
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// checkRendered renders a reply and checks every message against Slack's
// limits, through the same JSON Slack would receive.
func checkRendered(t *testing.T, text prep.RichText, rows [][]prep.Button) {
	t.Helper()
	msgs, _ := slack.Messages(text, rows)
	edit, _ := slack.EditMessage(text, rows)
	for _, m := range append(msgs, edit) {
		if len(m.Blocks) == 0 || len(m.Blocks) > slack.MaxBlocks {
			t.Fatalf("%d blocks", len(m.Blocks))
		}
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatalf("blocks do not marshal: %v", err)
		}
		var blocks []struct {
			Type string
			Text *struct{ Text string }
		}
		if err := json.Unmarshal(raw, &blocks); err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			if b.Type == "section" && (b.Text == nil || strings.TrimSpace(b.Text.Text) == "" || len(utf16.Encode([]rune(b.Text.Text))) > slack.MaxSectionLen) {
				t.Fatalf("bad section %+v", b.Text)
			}
		}
	}
}
