package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/slack"
	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

func TestRenderMrkdwn(t *testing.T) {
	const z = "\u200b"
	for _, tc := range []struct {
		name string
		in   prep.RichText
		want string
	}{
		{"plain escapes", prep.Text("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d"},
		{"entity-looking text", prep.Text("&amp; &lt;"), "&amp;amp; &amp;lt;"},
		{"mention-looking text", prep.Text("<@U123> <!channel> <http://x|y>"), "&lt;@U123&gt; &lt;!channel&gt; &lt;http://x|y&gt;"},
		{"bold", prep.Text("a ").Bold("b & c").Plain(" d"), "a *b &amp; c* d"},
		{"italic", prep.Text("a ").Italic("b").Plain("."), "a _b_."},
		{"code", prep.Text("run ").Code("x < 1"), "run `x &lt; 1`"},
		{"code with a backtick", prep.Text("").Code("a`b"), "`aˋb`"},
		{"code block", prep.Text("Query:").Append(prep.RichText{{Style: prep.CodeBlock, Text: "SELECT a<b\nFROM t\n", Lang: "sql"}}).Plain("done"),
			"Query:\n```\nSELECT a&lt;b\nFROM t\n```\ndone"},
		{"code block with fences inside", prep.RichText{{Style: prep.CodeBlock, Text: "a```b"}}, "```\na``" + z + "`b\n```"},
		{"code block with five backticks inside", prep.RichText{{Style: prep.CodeBlock, Text: "`````"}}, "```\n``" + z + "``" + z + "`\n```"},
		{"fences in plain text", prep.Text("a ``` b"), "a ``" + z + "` b"},
		{"fences in bold text", prep.RichText{}.Bold("`````0"), "*``" + z + "``" + z + "`0*"},
		{"link", prep.RichText{{Style: prep.Link, Text: "docs & more", URL: "https://x.test/?a=1&b=2"}},
			"<https://x.test/?a=1&amp;b=2|docs &amp; more>"},
		{"link with brackets", prep.RichText{{Style: prep.Link, Text: "x", URL: "https://x.test/<2>"}}, "x (https://x.test/&lt;2&gt;)"},
		{"link with a bar", prep.RichText{{Style: prep.Link, Text: "x", URL: "https://x.test/a|b"}}, "x (https://x.test/a|b)"},
		{"unsafe link", prep.RichText{{Style: prep.Link, Text: "click", URL: "javascript:alert(1)"}}, "click (javascript:alert(1))"},
		{"mailto", prep.RichText{{Style: prep.Link, Text: "mail", URL: "mailto:a@b.test"}}, "<mailto:a@b.test|mail>"},
		{"spaces outside markers", prep.Text("a").Bold(" b ").Plain("c"), "a *b* c"},
		{"bold inside a word", prep.Text("re").Bold("mark").Plain("able"), "re" + z + "*mark*" + z + "able"},
		{"bold over lines", prep.RichText{}.Bold("one\ntwo"), "*one*\n*two*"},
		{"empty bold", prep.Text("a").Bold("  ").Plain("b"), "a  b"},
		{"quote at line start", prep.Text("> not a quote\nx > y"), z + "&gt; not a quote\nx &gt; y"},
		{"invalid UTF-8", prep.Text("a\xffb"), "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slack.RenderMrkdwn(tc.in); got != tc.want {
				t.Errorf("RenderMrkdwn = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSectionsSplitAtLinesWithinLimit(t *testing.T) {
	var text prep.RichText
	for i := range 400 {
		text = text.Plain(fmt.Sprintf("line %03d ", i)).Bold("<b>&").Plain(strings.Repeat("·", 14) + "\n")
	}
	secs := slack.Sections(text, slack.MaxSectionLen)
	if len(secs) < 3 {
		t.Fatalf("%d sections, want several", len(secs))
	}
	var lines []string
	for i, s := range secs {
		checkSection(t, s, slack.MaxSectionLen)
		if !strings.HasPrefix(s, "line ") {
			t.Errorf("section %d starts mid-line: %q", i, s[:20])
		}
		lines = append(lines, strings.Split(s, "\n")...)
	}
	if len(lines) != 400 {
		t.Errorf("%d lines after splitting, want 400", len(lines))
	}
	for i, l := range lines {
		if want := fmt.Sprintf("line %03d *&lt;b&gt;&amp;*", i); !strings.HasPrefix(l, want) {
			t.Fatalf("line %d = %q, want prefix %q", i, l, want)
		}
	}
}

func TestSectionsNeverCutInsideCodeBlocksOrEntities(t *testing.T) {
	var code strings.Builder
	for i := range 300 {
		fmt.Fprintf(&code, "SELECT %d FROM t WHERE a < b && c > d;\n", i)
	}
	text := prep.Text("Before " + strings.Repeat("&", 2990) + " after\n").
		Append(prep.RichText{{Style: prep.CodeBlock, Text: code.String()}}).
		Plain(strings.Repeat("x", 7000)). // a line with no space at all
		Append(prep.RichText{{Style: prep.Link, Text: "a link", URL: "https://example.test/"}})
	secs := slack.Sections(text, slack.MaxSectionLen)
	var total strings.Builder
	for _, s := range secs {
		checkSection(t, s, slack.MaxSectionLen)
		total.WriteString(slackfake.Unmrkdwn(s))
	}
	if n := strings.Count(total.String(), "SELECT"); n != 300 {
		t.Errorf("%d SELECT lines survive the split, want 300", n)
	}
	if n := strings.Count(total.String(), "&"); n != 2990+600 {
		t.Errorf("%d ampersands survive, want %d", n, 2990+600)
	}
	if !strings.HasSuffix(secs[len(secs)-1], "<https://example.test/|a link>") {
		t.Errorf("the link was cut: %q", secs[len(secs)-1])
	}
}

// checkSection asserts what Slack requires of a section's text and what
// the renderer promises: within the limit, balanced code fences, only
// whole entities, valid UTF-8.
func checkSection(t *testing.T, s string, limit int) {
	t.Helper()
	if n := len(utf16.Encode([]rune(s))); n > limit {
		t.Errorf("section of %d units, over %d", n, limit)
	}
	if strings.Count(s, "```")%2 != 0 {
		t.Errorf("unbalanced code fence in %q…", head(s))
	}
	if strings.TrimSpace(s) == "" || !utf8.ValidString(s) {
		t.Errorf("empty or invalid section %q", head(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		rest := s[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Errorf("broken entity at %d: %q", i, rest[:min(8, len(rest))])
			return
		}
	}
	if strings.Count(s, "<") != strings.Count(s, ">") {
		t.Errorf("unbalanced link brackets in %q…", head(s))
	}
}

func head(s string) string { return s[:min(60, len(s))] }

func TestMessagesKeepBlockLimitsAndPutButtonsLast(t *testing.T) {
	long := prep.Text(strings.Repeat(strings.Repeat("word ", 500)+"\n", 140)) // ~350,000 characters
	var rows [][]prep.Button
	for i := range 3 {
		rows = append(rows, []prep.Button{{Label: fmt.Sprint("B", i), Data: fmt.Sprint("d", i)}})
	}
	msgs, dropped := slack.Messages(long, rows)
	if dropped != 0 || len(msgs) < 3 {
		t.Fatalf("%d messages, %d dropped", len(msgs), dropped)
	}
	for i, m := range msgs {
		if len(m.Blocks) > slack.MaxBlocks {
			t.Errorf("message %d has %d blocks", i, len(m.Blocks))
		}
		for j, b := range m.Blocks {
			_, isActions := b.(*slackgo.ActionBlock)
			if isActions != (i == len(msgs)-1 && j >= len(m.Blocks)-3) {
				t.Errorf("message %d block %d: actions=%v", i, j, isActions)
			}
		}
		if n := len(utf16.Encode([]rune(m.Text))); n > slack.MaxFallbackLen || m.Text == "" {
			t.Errorf("fallback of %d units", n)
		}
	}
}

func TestActionsDropBadButtonsAndSplitLongRows(t *testing.T) {
	var row []prep.Button
	for i := range 30 {
		row = append(row, prep.Button{Label: fmt.Sprint(i), Data: fmt.Sprint("v", i)})
	}
	rows := [][]prep.Button{
		{{Label: "ok", Data: "ok"}, {Label: "too long", Data: strings.Repeat("d", 65)}, {Label: "empty", Data: ""}, {Label: "bad", Data: "\xff"}},
		row,
		{{Label: strings.Repeat("L", 100), Data: "long-label"}, {Label: "  ", Data: "blank-label"}},
	}
	blocks, dropped := slack.Actions(rows)
	if dropped != 3 {
		t.Errorf("dropped %d, want 3", dropped)
	}
	if len(blocks) != 4 {
		t.Fatalf("%d actions blocks, want 4 (the 30-button row split in two)", len(blocks))
	}
	raw, _ := json.Marshal(blocks)
	var decoded []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct{ Text string }
		} `json:"elements"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range decoded {
		if len(b.Elements) > slack.MaxRowButtons || seen["block:"+b.BlockID] {
			t.Errorf("block %s: %d elements", b.BlockID, len(b.Elements))
		}
		seen["block:"+b.BlockID] = true
		for _, e := range b.Elements {
			if seen[e.ActionID] {
				t.Errorf("action_id %s repeated", e.ActionID)
			}
			seen[e.ActionID] = true
			if n := utf8.RuneCountInString(e.Text.Text); n > slack.MaxLabelLen || strings.TrimSpace(e.Text.Text) == "" {
				t.Errorf("label %q", e.Text.Text)
			}
		}
	}
	if decoded[0].Elements[0].Value != "ok" || decoded[3].Elements[1].Text.Text != "•" {
		t.Errorf("blocks = %s", raw)
	}
}

func TestEditMessageIsOneMessage(t *testing.T) {
	long := prep.Text(strings.Repeat(strings.Repeat("z", 2900)+"\n", 80))
	msg, _ := slack.EditMessage(long, [][]prep.Button{{{Label: "Next", Data: "n"}}})
	if len(msg.Blocks) != slack.MaxBlocks {
		t.Fatalf("%d blocks, want %d", len(msg.Blocks), slack.MaxBlocks)
	}
	sec, ok := msg.Blocks[len(msg.Blocks)-2].(*slackgo.SectionBlock)
	if !ok || sec.Text.Text != "…" {
		t.Errorf("the cut text should end in an ellipsis section, got %#v", msg.Blocks[len(msg.Blocks)-2])
	}
	if _, ok := msg.Blocks[len(msg.Blocks)-1].(*slackgo.ActionBlock); !ok {
		t.Error("the buttons should stay")
	}
}

func TestFromMrkdwnRestoresWhatTheUserTyped(t *testing.T) {
	for in, want := range map[string]string{
		"a &lt; b &amp;&amp; c &gt; d":                     "a < b && c > d",
		"see <https://example.com|the docs>":               "see the docs",
		"see <https://example.com>":                        "see https://example.com",
		"mail <mailto:a@b.test>":                           "mail a@b.test",
		"hey <@U123>":                                      "hey @U123",
		"&amp;lt;":                                         "&lt;",
		"unclosed <bracket":                                "unclosed <bracket",
		"SELECT * FROM t WHERE x &gt;= 1 AND y &lt;&gt; 2": "SELECT * FROM t WHERE x >= 1 AND y <> 2",
	} {
		if got := slack.FromMrkdwn(in); got != want {
			t.Errorf("FromMrkdwn(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManyRowsShareActionBlocks: a checklist slot of 30 items has 30 rows
// of Done/Snooze/Skip, more than MaxActionBlocks; whole rows then share
// blocks of up to MaxRowButtons buttons, so every item keeps its buttons,
// in order (items past the 20th used to get none).
func TestManyRowsShareActionBlocks(t *testing.T) {
	var rows [][]prep.Button
	var want []string
	for i := 1; i <= 30; i++ {
		var row []prep.Button
		for _, act := range []string{"done", "snooze", "skip"} {
			row = append(row, prep.Button{Label: fmt.Sprint(i, " ", act), Data: fmt.Sprint(act, ":", i)})
			want = append(want, fmt.Sprint(act, ":", i))
		}
		rows = append(rows, row)
	}
	blocks, dropped := slack.Actions(rows)
	if dropped != 0 || len(blocks) > slack.MaxActionBlocks {
		t.Fatalf("%d blocks, %d dropped", len(blocks), dropped)
	}
	raw, _ := json.Marshal(blocks)
	var decoded []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	var got []string
	ids := map[string]bool{}
	for _, b := range decoded {
		if len(b.Elements) > slack.MaxRowButtons || len(b.Elements)%3 != 0 {
			t.Errorf("a block of %d buttons: rows must stay whole and within %d", len(b.Elements), slack.MaxRowButtons)
		}
		for _, e := range b.Elements {
			got = append(got, e.Value)
			if ids[e.ActionID] {
				t.Errorf("action_id %s repeated", e.ActionID)
			}
			ids[e.ActionID] = true
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("buttons = %v, want %v", got, want)
	}
}

// TestOneQueuePerDM: a user's DM is one queue (one order, one rate
// limit) whether the message knows its channel or not yet; it was two,
// "dm:U1" for scheduled sends before the channel was known and "D1" for
// replies, so a reminder and a reply could pass each other.
func TestOneQueuePerDM(t *testing.T) {
	if a, b := slack.QueueKey("", "U1"), slack.QueueKey("D1", "U1"); a != b {
		t.Errorf("the DM of U1 has two queues: %q and %q", a, b)
	}
	if a, b := slack.QueueKey("C1", "U1"), slack.QueueKey("", "U1"); a == b {
		t.Errorf("a channel shares the DM's queue: %q", a)
	}
}
