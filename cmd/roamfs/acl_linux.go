package main

import "roamfs/cachedir"

// secureCache: on Linux the cache is private through its owner and mode
// (cachedir creates it 0700; the session gives the profile to the user).
func secureCache(cachedir.Layout, profileUser) error { return nil }
