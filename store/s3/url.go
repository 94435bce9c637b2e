// Package s3 is the server copy of a roaming profile in S3-compatible object
// storage (AWS S3, Ceph RGW, SeaweedFS, MinIO, Cloudflare R2, versitygw...),
// spoken to with github.com/minio/minio-go/v7.
//
// Layout. The profile s3://BUCKET/PREFIX is every object under "PREFIX/":
// one object per file ("PREFIX/AppData/Roaming/x.ini"), a zero-byte marker
// per folder ("PREFIX/AppData/", the profile's own "PREFIX/" included), one
// object per symlink whose body is its target. What a POSIX directory keeps
// beside the bytes is in user metadata: x-amz-meta-roamfs-kind (file, dir,
// symlink), -mode (permission bits, decimal), -mtime (Unix nanoseconds),
// -symlink (the target, percent-encoded). So the store keeps modes and times
// in full and needs no store.Limits; names are case-sensitive, as S3 keys are
// (the syncer folds case for Windows identity before it asks).
//
// No rename. S3 replaces an object atomically with one PUT, so Put writes rel
// directly: an interrupted single-part PUT leaves nothing, an interrupted
// multipart upload leaves parts that CleanTemp aborts. Files are streamed in
// 8 MiB parts, never held whole in memory.
//
// Compare-and-swap. The store implements store.Conditional with If-Match /
// If-None-Match on PutObject, which the server answers with 412 when another
// writer got there first; the syncer uses it so that two machines logging off
// one profile at once cannot both win.
//
// Credentials and endpoint come from the standard AWS chain (environment,
// shared credentials file and AWS_PROFILE, instance role), never from the
// command line; an endpoint (AWS_ENDPOINT_URL, or Options.Endpoint) makes it
// talk to an S3-compatible server instead of AWS.
package s3

import (
	"fmt"
	"strings"
)

// Target is a parsed s3://BUCKET/PREFIX.
type Target struct {
	Bucket string
	Prefix string // '/'-separated, no leading or trailing '/', never ""
}

// IsURL reports whether spec names an S3 bucket rather than a directory.
func IsURL(spec string) bool {
	return len(spec) > 5 && strings.EqualFold(spec[:5], "s3://")
}

// ParseURL parses spec. The prefix is required: a bucket holds many
// profiles, each under its own prefix (s3://profiles/alice).
func ParseURL(spec string) (Target, error) {
	bad := func(why string) (Target, error) {
		return Target{}, fmt.Errorf("server %q: %s (want s3://BUCKET/PREFIX)", spec, why)
	}
	if !IsURL(spec) {
		return bad("not an s3:// address")
	}
	rest := spec[5:]
	if strings.ContainsAny(rest, "?#@") {
		return bad("no query, fragment or user allowed: credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the shared credentials file")
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if err := checkBucket(bucket); err != nil {
		return bad(err.Error())
	}
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return bad("no prefix: give each profile its own, e.g. s3://" + bucket + "/alice")
	}
	for name := range strings.SplitSeq(prefix, "/") {
		if name == "" || name == "." || name == ".." {
			return bad(fmt.Sprintf("prefix component %q", name))
		}
	}
	return Target{Bucket: bucket, Prefix: prefix}, nil
}

// checkBucket applies S3's bucket naming rules (3-63 characters of lower
// case letters, digits, '.' and '-').
func checkBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must have 3 to 63 characters", b)
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return fmt.Errorf("bucket name %q: only lower case letters, digits, '.' and '-'", b)
		}
	}
	return nil
}

// String is the address, for messages.
func (t Target) String() string { return "s3://" + t.Bucket + "/" + t.Prefix }
