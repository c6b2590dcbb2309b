package markdown_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/prep"
)

// card is what a test expects of a prep.Card: the answer as plain text.
type card struct {
	Topic, Question, Answer string
	Line                    int
}

func cardsOf(cards []prep.Card) []card {
	out := make([]card, len(cards))
	for i, c := range cards {
		out[i] = card{c.Topic, c.Question, c.Answer.String(), c.Source.Line}
	}
	return out
}

// MustParse parses a deck that must have no problems at all.
func MustParse(tb testing.TB, src string) ([]prep.Card, []prep.ChecklistItem) {
	tb.Helper()
	cards, items, probs := markdown.Parse("deck.md", []byte(src))
	if len(probs) > 0 {
		tb.Fatalf("unexpected problems:\n%v", probs.Error())
	}
	return cards, items
}

func TestParseCards(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []card
	}{
		{
			name: "heading card",
			src:  "# Title\n\n## Behavioral\n\n### Why Data Engineering?\n- I enjoy it\n- It is tangible\n",
			want: []card{{"Behavioral", "Why Data Engineering?", "• I enjoy it\n• It is tangible", 5}},
		},
		{
			name: "Q card with the answer on the next line",
			src:  "## SQL\n\n**Q: Explain the SQL execution order.**\nA: FROM -> WHERE -> SELECT\n",
			want: []card{{"SQL", "Explain the SQL execution order.", "FROM -> WHERE -> SELECT", 3}},
		},
		{
			name: "Q card with A: alone and a list",
			src:  "## SQL\n\n**Q: DELETE vs DROP?**\nA:\n- DELETE: rows\n- DROP: table\n",
			want: []card{{"SQL", "DELETE vs DROP?", "• DELETE: rows\n• DROP: table", 3}},
		},
		{
			name: "Q card with the answer in the next paragraph and following blocks",
			src:  "## SQL\n\n**Q: Why?**\n\nA: Because.\n\n- one\n- two\n\nMore.\n",
			want: []card{{"SQL", "Why?", "Because.\n\n• one\n• two\n\nMore.", 3}},
		},
		{
			name: "bold Q: label with the question after it, bold A:",
			src:  "## SQL\n\n**Q:** What is a CTE?\n**A:** A named subquery.\n",
			want: []card{{"SQL", "What is a CTE?", "A named subquery.", 3}},
		},
		{
			name: "Q cards without blank lines between them",
			src:  "## Python\n\n**Q: One?**\nA: 1\n**Q: Two?**\nA: 2\n",
			want: []card{{"Python", "One?", "1", 3}, {"Python", "Two?", "2", 5}},
		},
		{
			name: "answer ends at a heading, at --- and at the next Q",
			src: "## A\n\n**Q: q1**\nA: a1\n\n---\n\nnot shown\n\n**Q: q2**\nA: a2\n\n### q3\na3\n\n---\n" +
				"**Q: q4**\nA: a4\n\n**Q: q5**\nA: a5\n",
			want: []card{
				{"A", "q1", "a1", 3},
				{"A", "q2", "a2", 10},
				{"A", "q3", "a3", 13},
				{"A", "q4", "a4", 17},
				{"A", "q5", "a5", 20},
			},
		},
		{
			name: "a ### section of Q cards is not a card",
			src:  "## Company\n\n### Questions About tasq.ai Specifics\n\n**Q: What do you know about tasq.ai?**\nA: An Israeli AI company.\n",
			want: []card{{"Company", "What do you know about tasq.ai?", "An Israeli AI company.", 5}},
		},
		{
			name: "topics change at each ## and #### stays in the answer",
			src:  "## One\n\n### a\nx\n\n#### Detail\ny\n\n## Two\n\n### b\nz\n",
			want: []card{{"One", "a", "x\n\nDetail\n\ny", 3}, {"Two", "b", "z", 11}},
		},
		{
			name: "intro text under a topic is not shown",
			src:  "## Topic\n\nAn introduction.\n\n### q\na\n",
			want: []card{{"Topic", "q", "a", 5}},
		},
		{
			name: "question text drops markup and comments",
			src:  "## T\n\n### Why `SELECT *` is *bad* <!-- id: select-star --> <!-- a note -->\nIt reads every column.\n",
			want: []card{{"T", "Why SELECT * is bad", "It reads every column.", 3}},
		},
		{
			name: "CRLF line endings and a byte-order mark",
			src:  "\ufeff## T\r\n\r\n### q\r\nline one\r\nline two\r\n",
			want: []card{{"T", "q", "line one\nline two", 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, _ := MustParse(t, tt.src)
			if got := cardsOf(cards); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cards:\n got %+v\nwant %+v", got, tt.want)
			}
			for _, c := range cards {
				if c.Source.File != "deck.md" {
					t.Errorf("card %q: file %q, want deck.md", c.Question, c.Source.File)
				}
			}
		})
	}
}

func TestCardIDs(t *testing.T) {
	id := func(src string) string {
		t.Helper()
		cards, _ := MustParse(t, src)
		if len(cards) != 1 {
			t.Fatalf("got %d cards, want 1", len(cards))
		}
		return cards[0].ID
	}
	base := id("## SQL\n\n**Q: What is the GIL?**\nA: A lock.\n")
	if len(base) != 12 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Fatalf("id %q is not 12 hex digits", base)
	}
	if base != markdown.CardID("What is the GIL?") {
		t.Errorf("id %q differs from CardID", base)
	}
	same := map[string]string{
		"answer edited":           "## SQL\n\n**Q: What is the GIL?**\nA: The global interpreter lock.\n",
		"case and punctuation":    "## SQL\n\n**Q: what is the GIL**\nA: A lock.\n",
		"spacing and markup":      "## SQL\n\n**Q:   What  is the `GIL` ?**\nA: A lock.\n",
		"heading form, new topic": "## Python\n\n### What is the GIL?\nA lock.\n",
	}
	for name, src := range same {
		if got := id(src); got != base {
			t.Errorf("%s: id %q, want %q", name, got, base)
		}
	}
	if got := id("## SQL\n\n**Q: What is the global interpreter lock?**\nA: A lock.\n"); got == base {
		t.Error("a reworded question kept its id")
	}
	if got := id("## SQL\n\n**Q: What is the global interpreter lock?** <!-- id: gil -->\nA: A lock.\n"); got != "gil" {
		t.Errorf("explicit id on a Q line: got %q", got)
	}
	if got := id("## SQL\n\n### What is the GIL? <!-- id: " + base + " -->\nReworded, same history.\n"); got != base {
		t.Errorf("explicit id on a heading: got %q", got)
	}
}

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"What is the GIL?":          "what is the gil",
		"  DELETE,TRUNCATE & DROP ": "delete truncate drop",
		"Café — naïve 123":          "café naïve 123",
		"?!":                        "",
	}
	for in, want := range tests {
		if got := markdown.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if markdown.ChecklistItemID("G", "S", "Phone on silent") != markdown.ChecklistItemID("g", "s!", "phone  on silent.") {
		t.Error("checklist item ids differ for the same normalized text")
	}
	if markdown.ChecklistItemID("G", "S", "x") == markdown.ChecklistItemID("G", "T", "x") {
		t.Error("the same text in two sections has one id")
	}
}

func TestParseChecklist(t *testing.T) {
	src := `## Pre-Interview Checklist

### Logistics <!-- when: -1d 19:00 -->
- [ ] Test Zoom/video platform
- [ ] Phone on silent <!-- when: -30m -->
- [x] Water **nearby**
  - [ ] Refill the glass

### Mental Prep
- [ ] Light breakfast <!-- when: 0d 08:00 -->
- [ ] Deep breathing

## Post-Interview

### Follow-Up <!-- when: +7d -->
* [ ] Track application status
`
	_, items := MustParse(t, src)
	type item struct {
		Group, Section, Text string
		Checked              bool
		When                 string
		Line                 int
	}
	var got []item
	for _, it := range items {
		got = append(got, item{it.Group, it.Section, it.Text, it.Checked, it.When.String(), it.Source.Line})
		if want := markdown.ChecklistItemID(it.Group, it.Section, it.Text); it.ID != want {
			t.Errorf("%q: id %q, want %q", it.Text, it.ID, want)
		}
	}
	want := []item{
		{"Pre-Interview Checklist", "Logistics", "Test Zoom/video platform", false, "-1d 19:00", 4},
		{"Pre-Interview Checklist", "Logistics", "Phone on silent", false, "-30m", 5},
		{"Pre-Interview Checklist", "Logistics", "Water nearby", true, "-1d 19:00", 6},
		{"Pre-Interview Checklist", "Logistics", "Refill the glass", false, "-1d 19:00", 7},
		{"Pre-Interview Checklist", "Mental Prep", "Light breakfast", false, "+0d 08:00", 10},
		{"Pre-Interview Checklist", "Mental Prep", "Deep breathing", false, "", 11},
		{"Post-Interview", "Follow-Up", "Track application status", false, "+1w", 16},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n got %+v\nwant %+v", got, want)
	}
	if w := items[0].When; !w.AtClock || w.Days != -1 || w.Clock != 19*60 {
		t.Errorf("Logistics timing: %+v", w)
	}
	if w := items[1].When; w.Offset != -30*time.Minute {
		t.Errorf("Phone on silent timing: %+v", w)
	}
}

func TestRichText(t *testing.T) {
	plain := func(s string) prep.Span { return prep.Span{Text: s} }
	tests := []struct {
		name   string
		answer string
		want   prep.RichText
	}{
		{"paragraphs and line breaks", "one\ntwo\n\nthree", prep.RichText{plain("one\ntwo\n\nthree")}},
		{"bold, italic, code", "**b** *i* `c` _j_",
			prep.RichText{{Style: prep.Bold, Text: "b"}, plain(" "), {Style: prep.Italic, Text: "i"}, plain(" "),
				{Style: prep.Code, Text: "c"}, plain(" "), {Style: prep.Italic, Text: "j"}}},
		{"bullet list", "- a\n- b", prep.RichText{plain("• a\n• b")}},
		{"ordered list keeps its start", "6. six\n7. seven", prep.RichText{plain("6. six\n7. seven")}},
		{"nested lists indent by two spaces", "- a\n  - b\n    1. c\n- d", prep.RichText{plain("• a\n  • b\n    1. c\n• d")}},
		{"loose list keeps blank lines", "1. a\n\n2. b", prep.RichText{plain("1. a\n\n2. b")}},
		{"item continuation lines indent", "- a\n  more\n- b", prep.RichText{plain("• a\n  more\n• b")}},
		{"list right under its intro", "Action:\n- a\n\nResult", prep.RichText{plain("Action:\n• a\n\nResult")}},
		{"list after a blank line", "Intro\n\n- a", prep.RichText{plain("Intro\n\n• a")}},
		{"bold inside a list", "- **Cloud**: AWS", prep.RichText{plain("• "), {Style: prep.Bold, Text: "Cloud"}, plain(": AWS")}},
		{"fenced code with language", "Run:\n\n```sql\nSELECT 1;\nSELECT 2;\n```\n\nDone.",
			prep.RichText{plain("Run:\n\n"), {Style: prep.CodeBlock, Text: "SELECT 1;\nSELECT 2;", Lang: "sql"}, plain("\nDone.")}},
		{"indented code", "Code:\n\n    x := 1\n", prep.RichText{plain("Code:\n\n"), {Style: prep.CodeBlock, Text: "x := 1"}}},
		{"link", "See [the docs](https://example.com/a?b=1).",
			prep.RichText{plain("See "), {Style: prep.Link, Text: "the docs", URL: "https://example.com/a?b=1"}, plain(".")}},
		{"autolinks", "<https://a.example> and https://b.example/x and <me@example.com>",
			prep.RichText{{Style: prep.Link, Text: "https://a.example", URL: "https://a.example"}, plain(" and "),
				{Style: prep.Link, Text: "https://b.example/x", URL: "https://b.example/x"}, plain(" and "),
				{Style: prep.Link, Text: "me@example.com", URL: "mailto:me@example.com"}}},
		{"relative and script links are text", "[a](page.html) [b](javascript:alert(1))",
			prep.RichText{plain("a (page.html) b (javascript:alert(1))")}},
		{"table rows", "| Their Requirement | My Experience |\n|---|---|\n| Strong Python | **Strong** |\n| DBT | |",
			prep.RichText{plain("Their Requirement: Strong Python · My Experience: "), {Style: prep.Bold, Text: "Strong"},
				plain("\nTheir Requirement: DBT")}},
		{"escapes and entities", `a \*b\* &amp; &#65; &copy;`, prep.RichText{plain("a *b* & A ©")}},
		{"raw HTML is text, comments vanish", "a<br>b <!-- note --> c", prep.RichText{plain("a<br>b  c")}},
		{"strikethrough kept as typed", "~~old~~ new", prep.RichText{plain("~~old~~ new")}},
		{"quote", "> quoted\n> more", prep.RichText{plain("> quoted\n> more")}},
		{"task items in an answer", "**Q: x**\nA:\n- [ ] a\n- [x] b", prep.RichText{plain("• ☐ a\n• ☑ b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "## T\n\n### q\n" + tt.answer + "\n"
			if strings.HasPrefix(tt.answer, "**Q:") {
				src = "## T\n\n" + tt.answer + "\n"
			}
			cards, _ := MustParse(t, src)
			if len(cards) != 1 {
				t.Fatalf("got %d cards, want 1", len(cards))
			}
			if got := cards[0].Answer; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("answer:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	long := strings.Repeat("word ", prep.MaxCardText/5+1)
	tests := []struct {
		name string
		src  string
		want []string // "line: severity: start of message"
	}{
		{"card before any topic", "### q\na\n", []string{"1: error: card before any ## topic heading"}},
		{"Q card before any topic", "intro\n\n**Q: q**\nA: a\n", []string{"3: error: card before any ## topic heading"}},
		{"checklist before any topic", "# T\n\n### Logistics\n- [ ] x\n", []string{"3: error: checklist before any ## topic heading"}},
		{"empty answer", "## T\n\n### q\n\n### r\nb\n", []string{`3: error: card "q" has an empty answer`}},
		{"empty A:", "## T\n\n**Q: q**\nA:\n", []string{`3: error: card "q" has an empty answer`}},
		{"Q without A", "## T\n\n**Q: q**\n\nno answer\n", []string{`3: error: **Q:** "q" has no answer`}},
		{"Q at the end", "## T\n\n**Q: q**\n", []string{`3: error: **Q:** "q" has no answer`}},
		{"Q without a question", "## T\n\n**Q:**\nA: a\n", []string{"3: error: **Q:** without a question"}},
		{"empty headings", "## T\n\n### \nx\n\n##\n", []string{"3: error: empty ### heading", "6: error: empty ## heading"}},
		{"duplicate question", "## T\n\n### What is X?\na\n\n---\n**Q: what is x**\nA: b\n",
			[]string{`7: error: duplicate question "what is x": it has the same id (` + markdown.CardID("What is X?") + `)`}},
		{"unknown annotation", "## T <!-- topic: x -->\n\n### q <!-- ID: 1 -->\na\n",
			[]string{`1: error: unknown annotation "topic"`, `3: error: unknown annotation "ID"`}},
		{"misplaced annotations", "## T <!-- when: -1d -->\n\n### q\n<!-- id: q -->\na <!-- when: -1h -->\n",
			[]string{`1: error: the "when" annotation belongs`, `4: error: the "id" annotation belongs`, `5: error: the "when" annotation belongs`}},
		{"repeated annotation", "## T\n\n### L <!-- when: -1d --> <!-- when: -2d -->\n- [ ] x\n",
			[]string{`3: error: a second "when" annotation`}},
		{"bad when on a heading and an item", "## T\n\n### L <!-- when: yesterday -->\n- [ ] x <!-- when: -1d 7pm -->\n",
			[]string{`3: error: bad "when" annotation: bad timing "yesterday"`, `4: error: bad "when" annotation: bad timing "-1d 7pm"`}},
		{"bad id", "## T\n\n### q <!-- id: Not OK -->\na\n", []string{`3: error: id "Not OK" may hold only`}},
		{"too long", "## T\n\n### q\n" + long + "\n", []string{`3: error: card "q" is 3505 characters long`}},
		// 1750 emoji are 3500 UTF-16 units, as Telegram counts them.
		{"emoji count twice", "## T\n\n### q\n" + strings.Repeat("😀", 1750) + "\n", []string{`3: error: card "q" is 3501 characters long`}},
		{"long topic", "## " + strings.Repeat("t", 101) + "\n\n### q\na\n", []string{`1: error: topic "ttt`}},
		{"non-task content in a checklist", "## T\n\n### L\n- [ ] x\n- y\n\ntext\n\n```\ncode\n```\n",
			[]string{`5: warning: only task items`, `7: warning: only task items`, `9: warning: only task items`}},
		{"empty checklist item", "## T\n\n### L\n- [ ] x\n- [ ] <!-- when: -1h -->\n", []string{"5: error: empty checklist item"}},
		{"task list outside a checklist", "## T\n\n- [ ] x\n\n### q\na\n", []string{"3: warning: a task list belongs under a ### checklist heading"}},
		{"text before Q cards in a section", "## T\n\n### Group\nlost\n\n**Q: q**\nA: a\n",
			[]string{`4: warning: this text before the first **Q:** in section "Group" is not shown`}},
		{"second title", "# A\n\n# B\n\n## T\n\n### q\na\n", []string{"3: warning: a deck has one # title"}},
		{"invalid UTF-8", "## T\n\n### q\n\xff\n", []string{"4: error: the file is not valid UTF-8"}},
		{"unclosed fence swallows the cards after it", "## SQL\n\n### Card one\nAnswer one:\n```sql\nSELECT 1;\n\n### Card two\ntwo\n\n**Q: Card three?**\nA: three\n",
			[]string{"5: error: code fence opened here (```) is never closed; every later card would be swallowed into it as code: close it with a line of ```"}},
		{"unclosed fence closed by the next card's", "## SQL\n\n### Card one\nAnswer one:\n```\nSELECT 1;\n\n### Card two\nAnswer two:\n```sql\nSELECT 2;\n```\n\n### Card three\nthree\n",
			[]string{"5: error: code fence opened here (```) is not closed before line 10 (```sql), which opens another block; every card in between would be swallowed into it as code: close it with a line of ```"}},
		{"unclosed tilde fence in a Q card", "## T\n\n**Q: q**\nA: a\n\n~~~~\nx\n~~~\n", []string{"6: error: code fence opened here (~~~~) is never closed"}},
		{"unclosed fence on the last line", "## T\n\n### q\na\n\n```", []string{"6: error: code fence opened here (```) is never closed"}},
		{"unclosed fence with CRLF", "## T\r\n\r\n### q\r\na\r\n```\r\nx\r\n", []string{"5: error: code fence opened here (```) is never closed"}},
		{"unclosed fence in a list item", "## T\n\n### q\n- a\n\n  ```\n  x\n- b\n",
			[]string{"6: error: code fence opened here (```) is never closed, so the rest of its list item or quote is code"}},
		{"unclosed fence in a quote", "## T\n\n### q\n> ```\n> x\n\nb\n", []string{"4: error: code fence opened here (```) is never closed, so the rest"}},
		{"closed fences are fine", "## T\n\n### q\n````go\n```\n`````\n\n### r\n- b\n  ~~~\n  x\n  ~~~\n\n### s\n```\ns\n```", nil},
		{"fences shown inside a longer fence are fine", "## T\n\n### How to write a code block?\n````markdown\n```sql\nSELECT 1;\n```\n~~~python\n````\n", nil},
		{"free-form comments are fine", "<!-- a note -->\n## T <!-- see https://x.example -->\n\n### q\na <!--remember-->\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, probs := markdown.Parse("deck.md", []byte(tt.src))
			if len(probs) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(probs), len(tt.want), probs.Error())
			}
			for i, p := range probs {
				if !strings.HasPrefix(p.String(), "deck.md:"+tt.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant deck.md:%s...", i, p, tt.want[i])
				}
			}
		})
	}
}
