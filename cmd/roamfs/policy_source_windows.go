package main

import "roamfs/policy"

// loadPolicy: a policy file given on the command line wins (pilots, tests);
// otherwise the Group Policy registry values apply, with HKCU read from the
// profile user's hive (the service runs as SYSTEM, whose HKCU is not theirs).
func loadPolicy(file, userSID string) (*policy.Policy, error) {
	if file != "" {
		return loadPolicyFile(file)
	}
	return policy.FromRegistry(policy.WindowsRegistry{UserSID: userSID})
}
