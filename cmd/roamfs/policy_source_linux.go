package main

import "roamfs/policy"

// loadPolicy: on Linux the settings come from the policy file (or defaults).
// userSID is for Windows, where HKCU is the user's hive.
func loadPolicy(file, userSID string) (*policy.Policy, error) {
	return loadPolicyFile(file)
}
