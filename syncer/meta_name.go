package syncer

// ServerMetaName is roamfs' own file in the server copy, never profile data.
const ServerMetaName = ".roamfs-profile.json"
