package prep

import "context"

// ExerciseKind names the language of an exercise and so its grader.
type ExerciseKind string

// Kinds of exercises.
const (
	SQLExercise    ExerciseKind = "sql"
	PythonExercise ExerciseKind = "python"
)

// Exercise is a task the user answers by writing code, graded automatically.
// Exercises are scheduled by FSRS like cards: their IDs share the card-state
// namespace, so IDs are prefixed by kind ("sql-", "py-").
type Exercise struct {
	ID     string
	Kind   ExerciseKind
	Title  string
	Topic  string   // e.g. "Window functions"; what /sql <topic> matches
	Prompt RichText // what the user sees: the task, a schema summary and sample rows, or starter code
	Hints  []string
	// Solution is the reference answer, shown on "Show solution".
	Solution string
	Source   Position
	// Spec is the grader's own definition of the exercise (schema, datasets,
	// tests). The engine passes it to the Grader untouched.
	Spec any
}

// Outcome is how a graded attempt ended.
type Outcome uint8

// Outcomes of a graded attempt.
const (
	Correct     Outcome = iota + 1 // ✅
	Wrong                          // ❌ ran, but the result differs
	Failed                         // ⚠️ did not run: syntax error, exception, refused statement
	TooSlow                        // ⏱ hit the time limit
	OutOfMemory                    // 🧠 hit the memory limit
)

// Verdict is the result of grading one attempt.
type Verdict struct {
	Outcome Outcome
	// Detail says what to fix: expected vs got, the error message, the
	// failing test. A few lines at most.
	Detail RichText
}

// Grader grades attempts at exercises of one kind. Grade must honour ctx
// (its deadline bounds the attempt), never let the attempt touch anything
// outside its sandbox, and be safe for concurrent use. An error means the
// grader itself failed (not the attempt).
type Grader interface {
	Grade(ctx context.Context, ex Exercise, answer string) (Verdict, error)
}
