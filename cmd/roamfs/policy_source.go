package main

import "roamfs/policy"

// loadPolicyFile reads a policy file. Every failure, an unreadable file as
// much as a wrong value, is a configuration error (exit 2): nothing was done.
func loadPolicyFile(file string) (*policy.Policy, error) {
	pol, err := policy.Load(file)
	if err != nil {
		return nil, usageError{err}
	}
	return pol, nil
}
