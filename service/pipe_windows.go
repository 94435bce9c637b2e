package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"roamfs/internal/winpipe"
)

// PipeServer is the logon pipe's server for this controller: roamfsnp.dll's
// request becomes Prepare, bounded by wait (the NPLogonTimeout policy).
// lookup resolves a request without a SID (LookupUser).
func (c *Controller) PipeServer(wait func() time.Duration, lookup func(domain, name string) (User, error), log *zap.Logger) *winpipe.Server {
	return &winpipe.Server{
		Pipe: winpipe.PipeName,
		SDDL: winpipe.ServerSDDL,
		Wait: wait,
		Log:  log,
		Prepare: func(ctx context.Context, r winpipe.Request) error {
			u, err := RequestUser(r, lookup)
			if err != nil {
				return err
			}
			err = c.Prepare(ctx, u)
			if errors.Is(err, ErrNotRoaming) {
				return fmt.Errorf("%w: %w", winpipe.ErrSkip, err)
			}
			return err
		},
	}
}
