/** Config model, YAML loading and validation, durations, route model and the provider SPI. */
module dev.dormouse.core {
    requires com.fasterxml.jackson.dataformat.yaml;
    requires com.fasterxml.jackson.core;
    // RE2/J (an automatic module named from its jar): linear-time matching of ignore_user_agents.
    requires re2j;

    exports dev.dormouse.core;
    exports dev.dormouse.core.spi;

    uses dev.dormouse.core.spi.ProviderFactory;
}
