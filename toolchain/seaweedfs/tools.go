//go:build tools

// Package tools pins SeaweedFS (Apache-2.0), the S3-compatible server the main command's S3-backend
// test deploys the default stack to: `go build github.com/seaweedfs/seaweedfs/weed` from this module.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
