package telegram_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram"
)

// BenchmarkRender is the adapter's share of every reply: a revealed card
// (header, question, an answer with a list, code and a code block, the
// user's typed answer) rendered as Telegram HTML with its keyboard of four
// rating buttons, and a long reply (a /stats-sized text of 10,000
// characters) split into messages of at most 4096 characters.
//
//	go test -run '^$' -bench Render -benchmem ./internal/telegram/
func BenchmarkRender(b *testing.B) {
	card := prep.RichText{}.Italic("SQL · 3/12").Plain("\n").Bold("❓ Explain the SQL execution order & why it matters <here>.").Plain("\n\n").
		Plain("FROM → WHERE → GROUP BY → HAVING → SELECT → DISTINCT → ORDER BY → LIMIT\n").
		Plain("• Aliases from ").Code("SELECT").Plain(" are not visible in ").Code("WHERE").Plain("\n").
		Plain("• Filter early: a ").Bold("WHERE").Plain(" beats a ").Bold("HAVING").Plain(" when it can\n\n").
		Append(prep.RichText{{Style: prep.CodeBlock, Lang: "sql", Text: "SELECT team, count(*) AS n\nFROM labels\nWHERE day > now() - interval '7 days'\nGROUP BY team\nHAVING count(*) > 10\nORDER BY n DESC;"}}).
		Plain("\n\n").Bold("✍️ Your answer: ").Italic("from, where, group, having, select, order").
		Plain("\n\n").Italic("How well did you recall it?")
	buttons := [][]prep.Button{
		{{Label: "Again · 1m", Data: "r1f.1"}, {Label: "Hard · 6m", Data: "r1f.2"}},
		{{Label: "Good · 3d", Data: "r1f.3"}, {Label: "Easy · 8d", Data: "r1f.4"}},
	}
	b.Run("card", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			html := telegram.RenderHTML(card)
			kb, _ := telegram.InlineKeyboard(buttons, 0)
			n += len(html) + len(kb.InlineKeyboard)
		}
		b.ReportMetric(float64(len(telegram.RenderHTML(card))), "bytes")
	})

	var long prep.RichText
	for i := 0; long.Len() < 10_000; i++ {
		long = long.Bold(fmt.Sprintf("Topic %d", i)).Plain(": " + strings.Repeat("recall 87% <ok> & rising; ", 6) + "\n")
	}
	b.Run("split-10k", func(b *testing.B) {
		b.ReportAllocs()
		parts := 0
		for b.Loop() {
			parts = len(telegram.SplitHTML(long, telegram.MaxMessageLen))
		}
		b.ReportMetric(float64(parts), "messages")
	})
}
