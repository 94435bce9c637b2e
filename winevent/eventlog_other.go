//go:build !windows

package winevent

import (
	"errors"
	"fmt"

	"go.uber.org/zap/zapcore"
)

// The Event Log exists on Windows only; these let callers stay free of build
// tags and decide what an unsupported platform means to them.

// Install fails with errors.ErrUnsupported outside Windows.
func Install(exePath string) error {
	return fmt.Errorf("install event source %q: %w", Source, errors.ErrUnsupported)
}

// Remove fails with errors.ErrUnsupported outside Windows.
func Remove() error {
	return fmt.Errorf("remove event source %q: %w", Source, errors.ErrUnsupported)
}

// NewCore fails with errors.ErrUnsupported outside Windows.
func NewCore(level zapcore.LevelEnabler) (zapcore.Core, error) {
	return nil, fmt.Errorf("open event source %q: %w", Source, errors.ErrUnsupported)
}
