"""mujun"""
