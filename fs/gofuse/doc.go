// Package gofuse is roamfs' Linux FUSE front end: it serves an overlay.Profile
// through go-fuse v2. It is a thin adapter: it turns FUSE requests into
// overlay calls by profile-relative path and translates errors to errno; every
// profile rule lives in overlay.
package gofuse
