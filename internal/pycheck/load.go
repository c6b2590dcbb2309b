package pycheck

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// Load reads every exercise at the top of fsys (each *.md file except
// README.md and hidden files, in lexical order, which is meant to run from
// easy to hard). It reports every problem as file:line; an exercise with an
// error is left out, so a broken file never half-works. It runs no Python
// (Lint does) and never panics.
func Load(fsys fs.FS) ([]prep.Exercise, prep.Problems) {
	var out []prep.Exercise
	files, probs := mdtext.ExerciseFiles(fsys)
	seen := map[string]prep.Position{}
	var prev *Exercise
	for _, f := range files {
		name, src := f.Name, f.Src
		ex, ps := Parse(name, src)
		probs = append(probs, ps...)
		if ex == nil {
			continue
		}
		if first, dup := seen[ex.ID]; dup {
			probs = append(probs, prep.Problem{Pos: ex.Source, Severity: prep.Error,
				Message: fmt.Sprintf("id %s is also the id of the exercise at %s; set \"- id:\" on one of them", ex.ID, first)})
			continue
		}
		seen[ex.ID] = ex.Source
		if prev != nil && ex.Difficulty < prev.Difficulty {
			probs = append(probs, prep.Problem{Pos: ex.Source, Severity: prep.Warning,
				Message: fmt.Sprintf("%s %s exercise after a %s one (%s): files are read in name order, easy to hard; renumber it",
					article(ex.Difficulty.String()), ex.Difficulty, prev.Difficulty, prev.Source.File)})
		}
		prev = ex
		pe, err := ex.Build()
		if err != nil {
			probs = append(probs, prep.Problem{Pos: ex.Source, Severity: prep.Error, Message: err.Error()})
			continue
		}
		out = append(out, pe)
	}
	if len(out) == 0 && !probs.HasErrors() {
		probs = append(probs, prep.Problem{Pos: prep.Position{File: "."}, Severity: prep.Error, Message: "no exercises found (*.md files)"})
	}
	probs.Sort()
	return out, probs
}

// maxPrompt leaves room in a 4096-character Telegram message for the
// title, the buttons' text and the engine's own lines.
const maxPrompt = prep.MaxCardText

// Build returns the exercise as the engine's prep.Exercise, whose Prompt is
// the task followed by the starter code. It fails when that prompt is too
// long for a chat message.
func (ex *Exercise) Build() (prep.Exercise, error) {
	prompt := append(prep.RichText(nil), ex.Task...)
	prompt = prompt.Plain("\n\n")
	prompt = append(prompt, prep.Span{Style: prep.CodeBlock, Text: strings.TrimRight(ex.Starter.Source, "\n"), Lang: "python"})
	if n := prompt.Len(); n > maxPrompt {
		return prep.Exercise{}, fmt.Errorf("the prompt (task and starter code) is %d characters long; the limit is %d: shorten the task", n, maxPrompt)
	}
	return prep.Exercise{
		ID:       ex.ID,
		Kind:     prep.PythonExercise,
		Title:    ex.Title,
		Topic:    ex.Topic,
		Prompt:   prompt,
		Hints:    ex.Hints,
		Solution: strings.TrimRight(ex.Solution.Source, "\n"),
		Source:   ex.Source,
		Spec:     ex,
	}, nil
}
