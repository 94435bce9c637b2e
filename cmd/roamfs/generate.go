package main

//go:generate go run roamfs/winevent/gen
