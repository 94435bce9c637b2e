// Package layout holds no code: its test pins the package graph that
// docs/design.md ("Layout, as built") draws, so an import against the
// arrows fails `make test` instead of waiting for a reviewer.
package layout
