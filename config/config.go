// Package config loads mistralbot's configuration with viper: a YAML file,
// MISTRALBOT_* environment overrides and the conventional env names. It is
// the only importer of viper.
package config
