package main

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
)

// pushSif pushes path as the single layer of a SIF artifact in the form the Singularity/Apptainer clients write.
func pushSif(path string) (interface{}, error) {
	layer, err := pushChunked(path, 5<<20)
	if err != nil {
		return nil, err
	}
	layerInfo := layer.(map[string]interface{})
	ref, err := reference()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	dest, err := ref.NewImageDestination(ctx, systemContext())
	if err != nil {
		return nil, err
	}
	defer dest.Close()
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	configInfo, err := dest.PutBlob(ctx, bytes.NewReader(config), types.BlobInfo{Digest: digest.FromBytes(config), Size: int64(len(config))}, none.NoCache, true)
	if err != nil {
		return nil, err
	}
	manifest, _ := json.Marshal(map[string]interface{}{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]interface{}{"mediaType": "application/vnd.sylabs.sif.config.v1+json", "digest": configInfo.Digest, "size": configInfo.Size},
		"layers": []interface{}{map[string]interface{}{"mediaType": "application/vnd.sylabs.sif.layer.v1.sif",
			"digest": layerInfo["digest"], "size": layerInfo["size"]}},
	})
	if err := dest.PutManifest(ctx, manifest, nil); err != nil {
		return nil, err
	}
	if err := dest.Commit(ctx, nil); err != nil {
		return nil, err
	}
	return map[string]interface{}{"manifest": digest.FromBytes(manifest).String(), "config": configInfo.Digest.String(),
		"layer": layerInfo["digest"], "patches": layerInfo["patches"]}, nil
}
