package sqlcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
	"modernc.org/sqlite/vfs"
)

// This file talks to SQLite through modernc.org/sqlite/lib, the transpiled C
// library, rather than through database/sql. The driver exposes neither
// sqlite3_set_authorizer, nor sqlite3_deserialize on a connection of our
// own choosing, nor the column's storage class without conversions; the
// sandbox needs all three. Only one goroutine uses a conn at a time, except
// for interrupt, which SQLite documents as safe from another thread.

// engine is what SQLite keeps per process: its allocator's settings and its
// VFS registry. It is set up once, because SQLite allows both only once
// (memory statistics must be switched on before sqlite3_initialize).
type engine struct {
	// vfs is the name of a registered VFS that cannot open any file: every
	// sandboxed connection uses it, so that even a statement that got past
	// the authorizer could not read or write the host's files.
	vfs string
	// heapLimited tells whether SQLite counts its heap, which
	// sqlite3_hard_heap_limit64 needs in order to be enforced. It is false
	// only if something else in the process initialized SQLite first.
	heapLimited bool
	err         error
}

var (
	engineOnce sync.Once
	theEngine  engine
)

// noFiles is an empty, read-only file system: the sandbox VFS serves it.
type noFiles struct{}

func (noFiles) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
}

// sqliteEngine sets SQLite up for sandboxing on first use.
func sqliteEngine() (*engine, error) {
	engineOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		sqlite3.PatchIssue199() // what the driver does at init on linux/arm64
		// modernc builds SQLite with SQLITE_DEFAULT_MEMSTATUS=0, and without
		// statistics SQLite never checks its hard heap limit.
		va := libc.Xmalloc(tls, 8)
		if va == 0 {
			theEngine.err = errors.New("sqlcheck: cannot allocate memory for SQLite")
			return
		}
		rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_MEMSTATUS, libc.VaList(va, int32(1)))
		libc.Xfree(tls, va)
		theEngine.heapLimited = rc == sqlite3.SQLITE_OK
		name, _, err := vfs.New(noFiles{})
		if err != nil {
			theEngine.err = fmt.Errorf("sqlcheck: register the sandbox VFS: %w", err)
			return
		}
		theEngine.vfs = name
	})
	return &theEngine, theEngine.err
}

// setHeapLimit caps the memory SQLite may hold in the whole process; an
// allocation past it fails with SQLITE_NOMEM. It returns false when the cap
// cannot be enforced (see engine.heapLimited).
func setHeapLimit(n int64) bool {
	e, err := sqliteEngine()
	if err != nil || !e.heapLimited {
		return false
	}
	tls := libc.NewTLS()
	defer tls.Close()
	sqlite3.Xsqlite3_hard_heap_limit64(tls, n)
	return true
}

// connLimits bound what one connection may do.
type connLimits struct {
	maxValueBytes int // longest string or blob (SQLITE_LIMIT_LENGTH)
	maxSQLBytes   int // longest statement (SQLITE_LIMIT_SQL_LENGTH)
	maxPages      int // largest database, main and temp, in pages
	maxRows       int // rows kept from one statement; more are not read
	// maxColumns caps the columns of any table, index or result
	// (SQLITE_LIMIT_COLUMN); 0 keeps SQLite's 2,000.
	maxColumns int
	// maxResultBytes caps what the grader copies out of SQLite for one
	// statement's result (see resultBytes); 0 is no cap.
	maxResultBytes int
}

// conn is one sandboxed in-memory SQLite database.
type conn struct {
	tls *libc.TLS
	db  uintptr
	key uintptr // this conn in the authorizer's registry

	// refused names what the authorizer refused while the last statement
	// was prepared, to explain SQLite's bare "not authorized".
	refused string
	// maxResultBytes is connLimits.maxResultBytes.
	maxResultBytes int

	mu     sync.Mutex // orders interrupt against close
	closed bool
}

// conns maps authorizer arguments to connections: C callbacks cannot carry
// Go pointers, so the authorizer gets a key and looks its conn up here.
var (
	conns    sync.Map // uintptr → *conn
	connKeys atomic.Uintptr
)

// openConn opens an empty in-memory database with the sandbox's engine
// level controls, ready for setup statements (schema, seed rows). lock must
// be called before running anything untrusted.
func openConn(lim connLimits) (*conn, error) {
	e, err := sqliteEngine()
	if err != nil {
		return nil, err
	}
	c := &conn{tls: libc.NewTLS(), maxResultBytes: lim.maxResultBytes}
	name, err := libc.CString(":memory:")
	if err != nil {
		c.tls.Close()
		return nil, fmt.Errorf("sqlcheck: open: %w", err)
	}
	defer libc.Xfree(c.tls, name)
	zvfs, err := libc.CString(e.vfs)
	if err != nil {
		c.tls.Close()
		return nil, fmt.Errorf("sqlcheck: open: %w", err)
	}
	defer libc.Xfree(c.tls, zvfs)
	pdb := c.tls.Alloc(ptrSize)
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, pdb,
		sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_CREATE|sqlite3.SQLITE_OPEN_NOMUTEX, zvfs)
	c.db = peekPtr(pdb)
	c.tls.Free(ptrSize)
	if rc != sqlite3.SQLITE_OK {
		err := fmt.Errorf("sqlcheck: open: %s", sqlite3ErrStr(c.tls, rc))
		c.close()
		return nil, err
	}
	c.key = connKeys.Add(1)
	conns.Store(c.key, c)

	sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1)
	// Defensive mode forbids writing the schema or raw pages; an untrusted
	// schema may not call functions with side effects; double-quoted
	// strings are identifiers only, as in PostgreSQL, so "cat" is a
	// column and 'cat' a string (a mistake worth catching in practice).
	for _, cfg := range []struct {
		op int32
		on bool
	}{
		{sqlite3.SQLITE_DBCONFIG_DEFENSIVE, true},
		{sqlite3.SQLITE_DBCONFIG_TRUSTED_SCHEMA, false},
		{sqlite3.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, false},
		{sqlite3.SQLITE_DBCONFIG_DQS_DML, false},
		{sqlite3.SQLITE_DBCONFIG_DQS_DDL, false},
	} {
		if rc := c.dbConfig(cfg.op, cfg.on); rc != sqlite3.SQLITE_OK {
			c.close()
			return nil, fmt.Errorf("sqlcheck: configure the connection: %s", sqlite3ErrStr(c.tls, rc))
		}
	}
	for _, l := range []struct{ id, value int32 }{
		// No database but this one: ATTACH (and VACUUM INTO, which
		// attaches its target) fail before a file name is even looked at.
		{sqlite3.SQLITE_LIMIT_ATTACHED, 0},
		{sqlite3.SQLITE_LIMIT_LENGTH, int32(lim.maxValueBytes)},
		{sqlite3.SQLITE_LIMIT_SQL_LENGTH, int32(lim.maxSQLBytes)},
		// No helper threads: an attempt gets one core, as the queue
		// assumes.
		{sqlite3.SQLITE_LIMIT_WORKER_THREADS, 0},
		{sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH, 50},
	} {
		sqlite3.Xsqlite3_limit(c.tls, c.db, l.id, l.value)
	}
	if lim.maxColumns > 0 {
		// Checked when a statement is prepared: a result this wide is
		// refused before any row is made.
		sqlite3.Xsqlite3_limit(c.tls, c.db, sqlite3.SQLITE_LIMIT_COLUMN, int32(lim.maxColumns))
	}
	// Temporary tables and sorts stay in memory (the VFS could not create
	// a temporary file anyway); the page caps bound both databases.
	setup := fmt.Sprintf("PRAGMA temp_store = MEMORY; PRAGMA main.max_page_count = %d; PRAGMA temp.max_page_count = %d;",
		lim.maxPages, lim.maxPages)
	if _, err := c.run(context.Background(), setup, 0); err != nil {
		c.close()
		return nil, fmt.Errorf("sqlcheck: configure the connection: %w", err)
	}
	return c, nil
}

// dbConfig sets a boolean sqlite3_db_config option.
func (c *conn) dbConfig(op int32, on bool) int32 {
	va := libc.Xmalloc(c.tls, 16)
	if va == 0 {
		return sqlite3.SQLITE_NOMEM
	}
	defer libc.Xfree(c.tls, va)
	v := int32(0)
	if on {
		v = 1
	}
	return sqlite3.Xsqlite3_db_config(c.tls, c.db, op, libc.VaList(va, v, uintptr(0)))
}

// lock installs the authorizer: from now on the connection runs untrusted
// SQL. It also caps the main database again, since deserialize replaces it.
func (c *conn) lock(lim connLimits) error {
	if _, err := c.run(context.Background(), fmt.Sprintf("PRAGMA main.max_page_count = %d;", lim.maxPages), 0); err != nil {
		return err
	}
	sqlite3.Xsqlite3_set_authorizer(c.tls, c.db, cFuncPointer(authorize), c.key)
	return nil
}

// ptrSize is the size of a C pointer.
const ptrSize = int(unsafe.Sizeof(uintptr(0)))

// peekPtr reads a pointer that SQLite wrote to C memory at p. It reads
// through a byte slice, not a pointer conversion: p is not Go memory.
func peekPtr(p uintptr) uintptr {
	b := libc.GoBytes(p, ptrSize)
	if ptrSize == 8 {
		return uintptr(binary.NativeEndian.Uint64(b))
	}
	return uintptr(binary.NativeEndian.Uint32(b))
}

// cFuncPointer turns a Go function declared at top level into the C
// function pointer the transpiled library calls, as the driver does.
func cFuncPointer[T any](f T) uintptr {
	return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f}))
}

// allowedPragmas only describe the schema: they read, never change, and
// touch nothing outside the database.
var allowedPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true,
	"index_list": true, "index_info": true, "index_xinfo": true,
	"foreign_key_list": true,
}

// refusedFunctions can reach outside the database (load_extension), or
// need trusted input (fts3_tokenizer takes a pointer).
var refusedFunctions = map[string]bool{
	"load_extension": true, "fts3_tokenizer": true, "readfile": true, "writefile": true, "edit": true,
}

// authorize is SQLite's authorizer callback: it runs while a statement is
// prepared and refuses, by action, what may reach outside the throwaway
// database or change how SQLite runs for everyone.
func authorize(tls *libc.TLS, key uintptr, action int32, z1, z2, z3, z4 uintptr) int32 {
	v, ok := conns.Load(key)
	if !ok {
		return sqlite3.SQLITE_DENY
	}
	c := v.(*conn)
	deny := func(what string) int32 {
		c.refused = what
		return sqlite3.SQLITE_DENY
	}
	switch action {
	case sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH:
		// VACUUM INTO attaches its target: it is refused here too.
		return deny("Other databases (ATTACH, DETACH, VACUUM INTO) are")
	case sqlite3.SQLITE_PRAGMA:
		name := strings.ToLower(libc.GoString(z1))
		if allowedPragmas[name] {
			return sqlite3.SQLITE_OK
		}
		return deny("PRAGMA " + name + " is")
	case sqlite3.SQLITE_FUNCTION:
		name := strings.ToLower(libc.GoString(z2))
		if refusedFunctions[name] {
			return deny("The function " + name + "() is")
		}
	case sqlite3.SQLITE_CREATE_VTABLE, sqlite3.SQLITE_DROP_VTABLE:
		return deny("Virtual tables are")
	}
	return sqlite3.SQLITE_OK
}

// interrupt stops the statement running on c, from any goroutine.
func (c *conn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	// A fresh TLS: the one of c may be in use by the running statement.
	tls := libc.NewTLS()
	sqlite3.Xsqlite3_interrupt(tls, c.db)
	tls.Close()
}

// close frees the connection and its in-memory databases.
func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	if c.key != 0 {
		conns.Delete(c.key)
	}
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
	}
	c.tls.Close()
}

// serialize copies the main database out, to restore it on fresh
// connections without running the setup statements again.
func (c *conn) serialize() ([]byte, error) {
	zmain, err := libc.CString("main")
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, zmain)
	psize := c.tls.Alloc(8)
	defer c.tls.Free(8)
	p := sqlite3.Xsqlite3_serialize(c.tls, c.db, zmain, psize, 0)
	if p == 0 {
		return nil, errors.New("sqlcheck: serialize: out of memory")
	}
	defer sqlite3.Xsqlite3_free(c.tls, p)
	n := int64(binary.NativeEndian.Uint64(libc.GoBytes(psize, 8)))
	// GoBytes does not copy, and p is freed on return.
	return bytes.Clone(libc.GoBytes(p, int(n))), nil
}

// deserialize replaces the main database with a copy of image.
func (c *conn) deserialize(image []byte) error {
	zmain, err := libc.CString("main")
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, zmain)
	n := len(image)
	p := sqlite3.Xsqlite3_malloc64(c.tls, uint64(n))
	if p == 0 {
		return errors.New("sqlcheck: deserialize: out of memory")
	}
	copy(libc.GoBytes(p, n), image)
	// SQLite owns the buffer from here on, even when this fails.
	rc := sqlite3.Xsqlite3_deserialize(c.tls, c.db, zmain, p, int64(n), int64(n),
		sqlite3.SQLITE_DESERIALIZE_FREEONCLOSE|sqlite3.SQLITE_DESERIALIZE_RESIZEABLE)
	if rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("sqlcheck: deserialize: %s", c.errmsg(rc))
	}
	return nil
}

// kind is a value's SQLite storage class.
type kind uint8

// Storage classes, ordered as SQLite orders them in ORDER BY.
const (
	kindNull kind = iota
	kindInteger
	kindReal
	kindText
	kindBlob
)

// value is one cell of a result, with its storage class kept: 2 and '2'
// are different answers.
type value struct {
	kind kind
	i    int64
	f    float64
	s    string // text, or blob bytes
}

// result is what one statement returned.
type result struct {
	columns   []string
	rows      [][]value
	truncated bool // there were more than maxRows rows; the rest were not read
}

// sqlError is an error SQLite reported for a statement.
type sqlError struct {
	code    int32  // extended result code
	msg     string // SQLite's message, made friendlier where it is terse
	stmt    int    // 1-based number of the failing statement
	offset  int    // byte offset in the script: the error, or the statement's start
	refused string // set when the authorizer refused the statement
}

func (e *sqlError) Error() string { return "sqlcheck: " + e.msg }

// primary is the error's primary result code (SQLITE_NOMEM, ...).
func (e *sqlError) primary() int32 { return e.code & 0xff }

// run executes script statement by statement, as SQLite splits it, and
// returns the result of the last statement (nil if there was none). At most
// maxRows rows are read from each statement; a statement whose rows are not
// all read has finished its changes, since SQLite makes the changes of an
// INSERT ... RETURNING on its first step. ctx ends the run through
// sqlite3_interrupt.
func (c *conn) run(ctx context.Context, script string, maxRows int) (*result, error) {
	if err := ctx.Err(); err != nil {
		return nil, &sqlError{code: sqlite3.SQLITE_INTERRUPT, msg: "interrupted"}
	}
	stop := context.AfterFunc(ctx, c.interrupt)
	defer stop()

	cs, err := libc.CString(script)
	if err != nil {
		return nil, &sqlError{code: sqlite3.SQLITE_NOMEM, msg: "out of memory"}
	}
	defer libc.Xfree(c.tls, cs)
	out := c.tls.Alloc(2 * ptrSize) // sqlite3_stmt **ppStmt, const char **pzTail
	defer c.tls.Free(2 * ptrSize)

	var last *result
	start, end := cs, cs+uintptr(len(script))
	for n := 1; start < end; {
		c.refused = ""
		rc := sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, start, int32(end-start), 0, out, out+8)
		stmt, tail := peekPtr(out), peekPtr(out+uintptr(ptrSize))
		// Where the statement starts, past the white space after the
		// last one, so that errors name its first line.
		stmtStart := int(start - cs)
		for stmtStart < len(script) && strings.ContainsRune(" \t\r\n\f", rune(script[stmtStart])) {
			stmtStart++
		}
		if rc != sqlite3.SQLITE_OK {
			off := stmtStart
			if eo := sqlite3.Xsqlite3_error_offset(c.tls, c.db); eo >= 0 {
				off = int(start-cs) + int(eo)
			}
			return nil, &sqlError{code: rc, msg: c.errmsg(rc), stmt: n, offset: off, refused: c.refused}
		}
		if stmt == 0 { // only white space or comments were left
			if tail <= start {
				break
			}
			start = tail
			continue
		}
		res, rc := c.step(stmt, maxRows)
		sqlite3.Xsqlite3_finalize(c.tls, stmt)
		if rc == rcResultTooBig {
			return nil, &resultTooBigError{limit: c.maxResultBytes, stmt: n}
		}
		if rc != sqlite3.SQLITE_OK {
			// The authorizer also runs while a statement steps: VACUUM
			// INTO prepares an ATTACH of its own then, and an eponymous
			// virtual table such as pragma_compile_options its PRAGMA.
			return nil, &sqlError{code: rc, msg: c.errmsg(rc), stmt: n, offset: stmtStart, refused: c.refused}
		}
		last = res
		start = tail
		n++
	}
	return last, nil
}

// step reads a prepared statement's rows. It returns rcResultTooBig,
// having stopped reading, when the rows would hold more than
// c.maxResultBytes.
func (c *conn) step(stmt uintptr, maxRows int) (*result, int32) {
	ncol := int(sqlite3.Xsqlite3_column_count(c.tls, stmt))
	res := &result{columns: make([]string, ncol)}
	for i := range res.columns {
		res.columns[i] = libc.GoString(sqlite3.Xsqlite3_column_name(c.tls, stmt, int32(i)))
	}
	// SQLite's heap limit covers only what SQLite holds: the copies made
	// here are Go memory, and without a cap 1,000 rows of 1 MiB values
	// would be a gigabyte. Each value's size is known before it is copied.
	budget := c.maxResultBytes
	if budget <= 0 {
		budget = math.MaxInt
	}
	for {
		switch rc := sqlite3.Xsqlite3_step(c.tls, stmt); rc {
		case sqlite3.SQLITE_DONE:
			return res, sqlite3.SQLITE_OK
		case sqlite3.SQLITE_ROW:
			if len(res.rows) >= maxRows {
				res.truncated = true
				return res, sqlite3.SQLITE_OK
			}
			row := make([]value, ncol)
			for i := range row {
				budget -= cellBytes + c.columnBytes(stmt, int32(i))
				if budget < 0 {
					return nil, rcResultTooBig
				}
				row[i] = c.column(stmt, int32(i))
			}
			res.rows = append(res.rows, row)
		default:
			return nil, rc
		}
	}
}

// cellBytes is what a value costs the grader besides its text or blob.
const cellBytes = int(unsafe.Sizeof(value{}))

// rcResultTooBig is step's own result code for a result over
// maxResultBytes; SQLite's codes are all below 1<<16.
const rcResultTooBig = 1 << 20

// resultTooBigError is an answer whose result passed maxResultBytes.
type resultTooBigError struct {
	limit int // maxResultBytes
	stmt  int // 1-based number of the statement
}

func (e *resultTooBigError) Error() string {
	return fmt.Sprintf("sqlcheck: statement %d: the result holds more than %d bytes", e.stmt, e.limit)
}

// columnBytes is the length of a text or blob cell, 0 for other kinds.
func (c *conn) columnBytes(stmt uintptr, i int32) int {
	switch sqlite3.Xsqlite3_column_type(c.tls, stmt, i) {
	case sqlite3.SQLITE_TEXT, sqlite3.SQLITE_BLOB:
		return int(sqlite3.Xsqlite3_column_bytes(c.tls, stmt, i))
	}
	return 0
}

// column reads one cell in its own storage class.
func (c *conn) column(stmt uintptr, i int32) value {
	switch sqlite3.Xsqlite3_column_type(c.tls, stmt, i) {
	case sqlite3.SQLITE_INTEGER:
		return value{kind: kindInteger, i: sqlite3.Xsqlite3_column_int64(c.tls, stmt, i)}
	case sqlite3.SQLITE_FLOAT:
		return value{kind: kindReal, f: sqlite3.Xsqlite3_column_double(c.tls, stmt, i)}
	case sqlite3.SQLITE_TEXT:
		p := sqlite3.Xsqlite3_column_text(c.tls, stmt, i)
		n := sqlite3.Xsqlite3_column_bytes(c.tls, stmt, i)
		return value{kind: kindText, s: string(libc.GoBytes(p, int(n)))}
	case sqlite3.SQLITE_BLOB:
		p := sqlite3.Xsqlite3_column_blob(c.tls, stmt, i)
		n := sqlite3.Xsqlite3_column_bytes(c.tls, stmt, i)
		return value{kind: kindBlob, s: string(libc.GoBytes(p, int(n)))}
	}
	return value{kind: kindNull}
}

// errmsg is SQLite's message for the connection's last error.
func (c *conn) errmsg(rc int32) string {
	if msg := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)); msg != "" && msg != "not an error" {
		return msg
	}
	return sqlite3ErrStr(c.tls, rc)
}

func sqlite3ErrStr(tls *libc.TLS, rc int32) string {
	return libc.GoString(sqlite3.Xsqlite3_errstr(tls, rc))
}
