package directory

import "testing"

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT * FROM t WHERE a = ? AND b IN (?, ?)`, `SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)`},
		{`SELECT '?' || ? FROM t`, `SELECT '?' || $1 FROM t`},
		{`SELECT 'it''s ?', ? FROM "we?ird" WHERE x = ?`, `SELECT 'it''s ?', $1 FROM "we?ird" WHERE x = $2`},
		{"SELECT ? -- is it? yes\n, ?", "SELECT $1 -- is it? yes\n, $2"},
		{`SELECT /* ? */ ?`, `SELECT /* ? */ $1`},
		{`SELECT ?1 || ?1 || ?2`, `SELECT $1 || $1 || $2`},
		{`SELECT 2-?, 4/?`, `SELECT 2-$1, 4/$2`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
