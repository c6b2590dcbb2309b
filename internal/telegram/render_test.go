package telegram_test

import (
	"errors"
	"fmt"
	"html"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

func TestRenderHTML(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   prep.RichText
		want string
	}{
		{"angle brackets and ampersand", prep.Text("a < b > c & d"), "a &lt; b &gt; c &amp; d"},
		{"entity-looking text", prep.Text("&lt; is not <"), "&amp;lt; is not &lt;"},
		{"markdown characters stay", prep.Text("*not bold* _not italic_ [x](y) `z`"), "*not bold* _not italic_ [x](y) `z`"},
		{"bold", prep.RichText{}.Bold("x<y"), "<b>x&lt;y</b>"},
		{"italic", prep.RichText{}.Italic("a & b"), "<i>a &amp; b</i>"},
		{"inline code", prep.RichText{}.Code("if a && b < c {}"), "<code>if a &amp;&amp; b &lt; c {}</code>"},
		{"code block on its own lines",
			prep.Text("Example:").Append(prep.RichText{{Style: prep.CodeBlock, Lang: "go", Text: "x := <-ch\n"}}).Plain("after"),
			"Example:\n<pre><code class=\"language-go\">x := &lt;-ch</code></pre>\nafter"},
		{"code block without language", prep.RichText{{Style: prep.CodeBlock, Text: "SELECT 1 > 0;"}}, "<pre>SELECT 1 &gt; 0;</pre>"},
		{"hostile language", prep.RichText{{Style: prep.CodeBlock, Lang: `go" onclick="x`, Text: "1"}},
			`<pre><code class="language-goonclickx">1</code></pre>`},
		{"link", prep.RichText{{Style: prep.Link, Text: "docs <here>", URL: `https://example.org/?a=1&b="2"`}},
			`<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">docs &lt;here&gt;</a>`},
		{"link without text", prep.RichText{{Style: prep.Link, URL: "https://go.dev"}}, `<a href="https://go.dev">https://go.dev</a>`},
		{"unsafe link shown as text", prep.RichText{{Style: prep.Link, Text: "click", URL: "javascript:alert(1)"}},
			"click (javascript:alert(1))"},
		{"empty spans dropped", prep.RichText{}.Bold("").Plain("x").Italic(""), "x"},
		{"invalid UTF-8 replaced", prep.Text("a\xffb"), "a\uFFFDb"},
		{"unknown style is plain", prep.RichText{{Style: 99, Text: "<x>"}}, "&lt;x&gt;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := telegram.RenderHTML(tc.in)
			if got != tc.want {
				t.Errorf("RenderHTML = %q\nwant         %q", got, tc.want)
			}
			if _, err := checkHTML(got); err != nil {
				t.Errorf("malformed: %v", err)
			}
		})
	}
}

func TestSplitHTML(t *testing.T) {
	lines := func(n, width int) prep.RichText {
		var r prep.RichText
		for i := range n {
			r = r.Plain(fmt.Sprintf("%04d %s\n", i, strings.Repeat("x", width-6)))
		}
		return r
	}
	for _, tc := range []struct {
		name  string
		in    prep.RichText
		limit int
		parts int
		check func(t *testing.T, parts []string)
	}{
		{"short text is one part", prep.Text("hello"), 4096, 1, nil},
		{"blank text is no part", prep.Text(" \n\n "), 4096, 0, nil},
		{"cut at line ends", lines(300, 40), 4096, 3, func(t *testing.T, parts []string) {
			for i, p := range parts {
				v := visible(t, p)
				for _, line := range strings.Split(strings.TrimSpace(v), "\n") {
					if len(line) != 39 {
						t.Errorf("part %d has a cut line %q", i, line)
					}
				}
			}
		}},
		{"long line cut at spaces", prep.Text(strings.Repeat("word ", 2000)), 4096, 3, func(t *testing.T, parts []string) {
			for _, p := range parts {
				for _, w := range strings.Fields(visible(t, p)) {
					if w != "word" {
						t.Errorf("word cut: %q", w)
					}
				}
			}
		}},
		{"unbroken text cut hard", prep.Text(strings.Repeat("a", 10000)), 4096, 3, func(t *testing.T, parts []string) {
			if n := len(visible(t, parts[0])); n != 4096 {
				t.Errorf("first part %d characters, want 4096", n)
			}
		}},
		{"surrogate pairs counted as two and never split", prep.Text(strings.Repeat("😀", 3000)), 4096, 2, func(t *testing.T, parts []string) {
			if n := utf8.RuneCountInString(visible(t, parts[0])); n != 2048 {
				t.Errorf("first part %d emoji, want 2048", n)
			}
		}},
		{"bold span reopened after a cut", prep.RichText{}.Bold(strings.Repeat("b ", 3000)), 4096, 2, func(t *testing.T, parts []string) {
			for _, p := range parts {
				if !strings.HasPrefix(p, "<b>") || !strings.HasSuffix(p, "</b>") {
					t.Errorf("part not wrapped in <b>: %.20q…%.20q", p, p[len(p)-20:])
				}
			}
		}},
		{"code block reopened after a cut", prep.RichText{{Style: prep.CodeBlock, Lang: "sql", Text: strings.Repeat("SELECT a < b;\n", 500)}}, 4096, 2,
			func(t *testing.T, parts []string) {
				for _, p := range parts {
					if !strings.HasPrefix(p, `<pre><code class="language-sql">`) {
						t.Errorf("part does not reopen the code block: %.40q", p)
					}
				}
			}},
		{"escaping does not count", prep.Text(strings.Repeat("<&>", 1365)), 4096, 1, nil},
		// A revealed card with the user's typed answer, a code block whose
		// first line crosses the limit: the last line end that fits is the
		// one after the label, which used to end part 1 alone.
		{"label moves to the part it introduces", revealed(3000, prep.Span{Style: prep.CodeBlock, Text: strings.Repeat("SELECT a FROM t ", 200)}), 4096, 2,
			func(t *testing.T, parts []string) {
				checkNoOrphanLabel(t, parts)
				if v := visible(t, parts[1]); !strings.HasPrefix(v, "✍️ Your answer:") {
					t.Errorf("part 2 starts %.40q, want the label", v)
				}
			}},
		// The answer's first line crosses the limit: the cut used to fall
		// after the question, a heading line left alone above its answer.
		{"heading line moves to the part it heads", prep.RichText{}.Plain(strings.Repeat("intro ", 100) + "\n").Bold("❓ Why?").Plain("\n\n" + strings.Repeat("because ", 600)), 4096, 3,
			func(t *testing.T, parts []string) {
				checkNoOrphanLabel(t, parts)
				if v := visible(t, parts[1]); !strings.HasPrefix(v, "❓ Why?") {
					t.Errorf("part 2 starts %.40q, want the question", v)
				}
			}},
		// Nothing comes before the label to end a part with: the text after
		// it is cut hard rather than leave the label alone.
		{"label opening a part keeps some of its text", prep.RichText{}.Bold("Note: ").Plain(strings.Repeat("x", 5000)), 4096, 2,
			func(t *testing.T, parts []string) { checkNoOrphanLabel(t, parts) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := telegram.SplitHTML(tc.in, tc.limit)
			if len(parts) != tc.parts {
				t.Fatalf("%d parts, want %d", len(parts), tc.parts)
			}
			for i, p := range parts {
				if n := telegramtest.TextLen(visible(t, p)); n > tc.limit {
					t.Errorf("part %d: %d characters over the limit %d", i, n, tc.limit)
				}
			}
			if tc.check != nil {
				tc.check(t, parts)
			}
		})
	}
}

func TestInlineKeyboard(t *testing.T) {
	b := func(label, data string) prep.Button { return prep.Button{Label: label, Data: data} }
	many := make([]prep.Button, 101)
	for i := range many {
		many[i] = b("n", fmt.Sprint(i))
	}
	// The largest Telegram user id (52 bits), "18ce53un18f" in base 36,
	// and the longest data of each kind the engine makes other than
	// commands: a rating of the last token, a checklist item in 2100, the
	// longest time zone button.
	const maxOwner = 1<<52 - 1
	tag := "~18ce53un18f~"
	for _, tc := range []struct {
		name    string
		rows    [][]prep.Button
		owner   int64
		want    string // rows of label=data
		dropped int
	}{
		{"rows kept", [][]prep.Button{{b("Again", "r:1"), b("Good", "r:3")}, {b("Undo", "undo")}}, 0, "[Again=r:1 Good=r:3] [Undo=undo]", 0},
		{"64 bytes fit", [][]prep.Button{{b("max", strings.Repeat("d", 64))}}, 0, "[max=" + strings.Repeat("d", 64) + "]", 0},
		{"65 bytes dropped", [][]prep.Button{{b("ok", "ok"), b("long", strings.Repeat("d", 65))}}, 0, "[ok=ok]", 1},
		{"multi-byte data measured in bytes", [][]prep.Button{{b("é", strings.Repeat("é", 33))}}, 0, "", 1},
		{"empty data dropped, empty row removed", [][]prep.Button{{b("x", "")}, {b("y", "y")}}, 0, "[y=y]", 1},
		{"invalid UTF-8 dropped", [][]prep.Button{{b("x", "a\xff")}}, 0, "", 1},
		{"blank label replaced", [][]prep.Button{{b("  ", "d")}}, 0, "[•=d]", 0},
		{"over 100 buttons", [][]prep.Button{many}, 0, "", 1},
		{"none", nil, 0, "", 0},
		{"bound to the owner in a group", [][]prep.Button{{b("Show", "a1")}, {b("Ask", "/ask")}}, 42, "[Show=~16~a1] [Ask=~16~/ask]", 0},
		{"longest engine data fits bound", [][]prep.Button{{b("Easy", "r1z141z3.4"), b("Done", "cd:14phs0:0123456789ab"), b("LA", "z:America/Los_Angeles")}}, maxOwner,
			"[Easy=" + tag + "r1z141z3.4 Done=" + tag + "cd:14phs0:0123456789ab LA=" + tag + "z:America/Los_Angeles]", 0},
		{"a command too long to bind stays unbound", [][]prep.Button{{b("topic", "/ask "+strings.Repeat("t", 55))}}, maxOwner, "[topic=/ask " + strings.Repeat("t", 55) + "]", 0},
		{"other data too long to bind is left out", [][]prep.Button{{b("ok", "a1"), b("long", "c"+strings.Repeat("d", 55))}}, maxOwner, "[ok=" + tag + "a1]", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kb, dropped := telegram.InlineKeyboard(tc.rows, tc.owner)
			if dropped != tc.dropped {
				t.Errorf("dropped %d, want %d", dropped, tc.dropped)
			}
			if tc.name == "over 100 buttons" {
				if kb == nil || len(kb.InlineKeyboard[0]) != 100 {
					t.Errorf("want 100 buttons kept")
				}
				return
			}
			var rows []string
			if kb != nil {
				for _, row := range kb.InlineKeyboard {
					var bs []string
					for _, btn := range row {
						bs = append(bs, btn.Text+"="+*btn.CallbackData)
					}
					rows = append(rows, "["+strings.Join(bs, " ")+"]")
				}
			}
			if got := strings.Join(rows, " "); got != tc.want {
				t.Errorf("keyboard = %s, want %s", got, tc.want)
			}
		})
	}
}

// FuzzRender checks that any rich text renders to well-formed HTML, that
// split parts stay under the limit and together keep all the text, and
// that keyboards never carry callback data Telegram would reject.
func FuzzRender(f *testing.F) {
	f.Add("a < b\x00bold & <i>\x00code\x00https://x.org/?q=\"1\"\x00line\nline\x00go", []byte{0, 1, 3, 5, 4, 132}, uint16(10))
	f.Add(strings.Repeat("😀 word\n", 50), []byte{1}, uint16(7))
	f.Add("\xff\xfe\x00&amp;\x00\n\n\n", []byte{4, 4, 2}, uint16(0))
	f.Add("javascript:alert(1)\x00", []byte{5, 133}, uint16(4095))
	f.Add("😀😀😀", []byte{0}, uint16(0))
	f.Fuzz(func(t *testing.T, data string, styles []byte, limit uint16) {
		if len(styles) == 0 {
			styles = []byte{0}
		}
		var rt prep.RichText
		var buttons [][]prep.Button
		for i, seg := range strings.Split(data, "\x00") {
			st := styles[i%len(styles)]
			s := prep.Span{Style: prep.Style(st % 7), Text: seg}
			switch s.Style {
			case prep.Link:
				s.URL = seg
				if st&0x80 != 0 {
					s.URL = "https://example.org/" + seg
				}
			case prep.CodeBlock:
				s.Lang = seg
			}
			rt = append(rt, s)
			buttons = append(buttons, []prep.Button{{Label: seg, Data: seg}})
		}
		lim := int(limit)%5000 + 2

		full, err := checkHTML(telegram.RenderHTML(rt))
		if err != nil {
			t.Fatalf("RenderHTML: %v", err)
		}
		for name, split := range map[string]func(prep.RichText, int) []string{
			"SplitHTML": telegram.SplitHTML, "SplitWithButtons": telegram.SplitWithButtons,
		} {
			var joined strings.Builder
			for i, p := range split(rt, lim) {
				v, err := checkHTML(p)
				if err != nil {
					t.Fatalf("%s: part %d: %v", name, i, err)
				}
				if n := telegramtest.TextLen(v); n > lim {
					t.Fatalf("%s: part %d: %d characters over the limit %d", name, i, n, lim)
				}
				if strings.TrimSpace(v) == "" {
					t.Fatalf("%s: part %d is blank", name, i)
				}
				joined.WriteString(v)
			}
			if got, want := noSpace(joined.String()), noSpace(full); got != want {
				t.Fatalf("%s lost or changed text:\n got %q\nwant %q", name, got, want)
			}
		}

		kb, dropped := telegram.InlineKeyboard(buttons, 0)
		kept := 0
		if kb != nil {
			for _, row := range kb.InlineKeyboard {
				if len(row) == 0 {
					t.Fatal("empty keyboard row")
				}
				for _, btn := range row {
					d := *btn.CallbackData
					if d == "" || len(d) > prep.MaxButtonData || !utf8.ValidString(d) || btn.Text == "" {
						t.Fatalf("bad button %q=%q", btn.Text, d)
					}
					kept++
				}
			}
		}
		if kept+dropped != len(buttons) || kept > telegram.MaxButtons {
			t.Fatalf("kept %d + dropped %d != %d buttons", kept, dropped, len(buttons))
		}
	})
}

// revealed is a revealed card as the engine builds it: header, question,
// an answer of about answerLen characters in lines, the user's typed
// answer and the prompt.
func revealed(answerLen int, typed ...prep.Span) prep.RichText {
	text := prep.RichText{}.Italic("SQL · 1/3").Plain("\n").Bold("❓ What does GROUP BY do?").Plain("\n\n")
	for n := 0; n < answerLen; n += 60 {
		text = text.Plain(strings.Repeat("answer ", 8) + "line\n")
	}
	text = text.Plain("\n").Bold("✍️ Your answer: ").Append(prep.RichText(typed))
	return text.Plain("\n\n").Italic("How well did you recall it?")
}

// checkNoOrphanLabel fails if a part other than the last ends with a label
// (text ending in ':') or a bold heading line, apart from what it introduces.
func checkNoOrphanLabel(t *testing.T, parts []string) {
	t.Helper()
	for i, p := range parts[:len(parts)-1] {
		v := strings.TrimSpace(visible(t, p))
		if strings.HasSuffix(v, ":") {
			t.Errorf("part %d ends with a label: …%q", i+1, v[max(0, len(v)-30):])
		}
		p = strings.TrimSpace(p)
		if line := p[strings.LastIndex(p, "\n")+1:]; strings.HasPrefix(line, "<b>") && strings.HasSuffix(line, "</b>") {
			t.Errorf("part %d ends with a heading line: …%q", i+1, line)
		}
	}
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func visible(t *testing.T, s string) string {
	t.Helper()
	v, err := checkHTML(s)
	if err != nil {
		t.Fatalf("malformed HTML %q: %v", s, err)
	}
	return v
}

// checkHTML parses the subset of HTML the renderer emits, strictly: only
// Telegram's tags, properly nested, quoted attributes, no raw '<' or '>'
// in text, only the four entities. It returns the visible text.
func checkHTML(s string) (string, error) {
	var stack []string
	var text strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return "", fmt.Errorf("unclosed tag at %d", i)
			}
			tag := s[i+1 : i+j]
			i += j + 1
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("</%s> does not close %v", name, stack)
				}
				stack = stack[:len(stack)-1]
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			switch name {
			case "b", "i", "pre":
				if attrs != "" {
					return "", fmt.Errorf("<%s> with attributes %q", name, attrs)
				}
			case "code":
				if attrs != "" && (!strings.HasPrefix(attrs, `class="language-`) || len(stack) == 0 || stack[len(stack)-1] != "pre") {
					return "", fmt.Errorf("bad <code %s> in %v", attrs, stack)
				}
			case "a":
				if !strings.HasPrefix(attrs, `href="`) {
					return "", fmt.Errorf("bad <a %s>", attrs)
				}
			default:
				return "", fmt.Errorf("unknown tag <%s>", tag)
			}
			if attrs != "" {
				_, val, _ := strings.Cut(attrs, `="`)
				if !strings.HasSuffix(val, `"`) || strings.ContainsAny(val[:len(val)-1], `"<>`) {
					return "", fmt.Errorf("bad attribute value in <%s>", tag)
				}
				if err := checkEntities(val[:len(val)-1]); err != nil {
					return "", err
				}
			}
			if len(stack) > 0 && !(stack[len(stack)-1] == "pre" && name == "code") {
				return "", fmt.Errorf("<%s> nested in %v", name, stack)
			}
			stack = append(stack, name)
		case '>':
			return "", fmt.Errorf("raw '>' at %d", i)
		default:
			j := strings.IndexAny(s[i:], "<>")
			if j < 0 {
				j = len(s) - i
			}
			chunk := s[i : i+j]
			if err := checkEntities(chunk); err != nil {
				return "", err
			}
			text.WriteString(html.UnescapeString(chunk))
			i += j
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("unclosed %v", stack)
	}
	return text.String(), nil
}

func checkEntities(s string) error {
	for i := strings.IndexByte(s, '&'); i >= 0; {
		rest := s[i:]
		ok := false
		for _, e := range []string{"&amp;", "&lt;", "&gt;", "&quot;"} {
			if strings.HasPrefix(rest, e) {
				ok = true
			}
		}
		if !ok {
			return errors.New("bare & or unknown entity at " + fmt.Sprintf("%.10q", rest))
		}
		next := strings.IndexByte(s[i+1:], '&')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return nil
}
